package resource

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Keys of a token Secret.
const (
	// TokenKey holds the ServiceAccount token, the user's NATS password.
	TokenKey = "token"
	// UserKey holds the NATS user name of the token.
	UserKey = "user"
)

// TokenSecretName is <role>-<cluster>-bound-token, as in nats-operator.
func TokenSecretName(role, cluster string) string {
	return role + "-" + cluster + "-bound-token"
}

// TokenLabels select the token Secrets of one role of one cluster; every
// namespace may hold one.
func TokenLabels(cluster types.NamespacedName, role string) map[string]string {
	return map[string]string{
		natsv1alpha2.LabelManagedBy:        natsv1alpha2.ManagedByValue,
		natsv1alpha2.LabelApp:              "nats",
		natsv1alpha2.LabelCluster:          cluster.Name,
		natsv1alpha2.LabelClusterNamespace: cluster.Namespace,
		natsv1alpha2.LabelServiceRole:      role,
		natsv1alpha2.LabelComponent:        natsv1alpha2.ComponentServiceRoleToken,
	}
}

// TokenSecret builds the token Secret of one ServiceAccount of a
// NatsServiceRole. It lives in the ServiceAccount's namespace. Only there
// may it have an owner reference to the role, because owner references
// across namespaces are not allowed (the garbage collector deletes such
// dependents, nats-operator#321); elsewhere the role's finalizer removes it.
type TokenSecret struct {
	Cluster   types.NamespacedName
	Role      *natsv1alpha2.NatsServiceRole
	Namespace string
	Scheme    *runtime.Scheme
}

// Build returns the Secret's identity.
func (b *TokenSecret) Build() *corev1.Secret {
	s := &corev1.Secret{}
	s.Name = TokenSecretName(b.Role.Name, b.Cluster.Name)
	s.Namespace = b.Namespace
	return s
}

// Update sets the labels and, in the role's namespace, the owner reference.
// It refuses a Secret that belongs to another cluster or role; a Secret of
// nats-operator (labels app=nats and nats_cluster=<cluster>, no managed-by
// label) is adopted.
func (b *TokenSecret) Update(s *corev1.Secret) error {
	if !b.Owns(s) {
		return fmt.Errorf("secret %s/%s exists and does not belong to NatsServiceRole %s/%s: %w",
			s.Namespace, s.Name, b.Role.Namespace, b.Role.Name, ErrNotOwned)
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	maps.Copy(s.Labels, TokenLabels(b.Cluster, b.Role.Name))
	s.Type = corev1.SecretTypeOpaque
	if b.Namespace == b.Role.Namespace {
		if err := controllerutil.SetOwnerReference(b.Role, s, b.Scheme); err != nil {
			return fmt.Errorf("failed setting owner reference: %w", err)
		}
		return nil
	}
	// nats-operator set this cross-namespace reference; drop it when adopting.
	s.OwnerReferences = slices.DeleteFunc(s.OwnerReferences, func(r metav1.OwnerReference) bool {
		return r.Kind == "NatsServiceRole"
	})
	return nil
}

// Owns says whether s is this builder's Secret, or nats-operator's
// predecessor of it, or new.
func (b *TokenSecret) Owns(s *corev1.Secret) bool {
	if s.CreationTimestamp.IsZero() && s.ResourceVersion == "" {
		return true
	}
	l := s.Labels
	if l[natsv1alpha2.LabelManagedBy] != natsv1alpha2.ManagedByValue {
		return l[natsv1alpha2.LabelApp] == "nats" && l[natsv1alpha2.LabelCluster] == b.Cluster.Name
	}
	return l[natsv1alpha2.LabelCluster] == b.Cluster.Name &&
		l[natsv1alpha2.LabelClusterNamespace] == b.Cluster.Namespace &&
		l[natsv1alpha2.LabelServiceRole] == b.Role.Name
}

// Token is an issued token and what the operator needs to know about it.
type Token struct {
	User              string
	Value             string
	Audience          string
	ExpirationSeconds int64
	ExpiresAt         time.Time
	RenewAt           time.Time
}

// SetToken writes the token, its user and its renewal schedule.
func SetToken(s *corev1.Secret, t Token) {
	s.Data = map[string][]byte{TokenKey: []byte(t.Value), UserKey: []byte(t.User)}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[natsv1alpha2.AnnotationTokenAudience] = t.Audience
	s.Annotations[natsv1alpha2.AnnotationTokenExpirationSeconds] = strconv.FormatInt(t.ExpirationSeconds, 10)
	s.Annotations[natsv1alpha2.AnnotationTokenExpiresAt] = t.ExpiresAt.UTC().Format(time.RFC3339)
	s.Annotations[natsv1alpha2.AnnotationTokenRenewAt] = t.RenewAt.UTC().Format(time.RFC3339)
}

// TokenOf reads back what SetToken wrote; ok is false when the Secret holds
// no complete token (new, emptied, or written by nats-operator).
func TokenOf(s *corev1.Secret) (t Token, ok bool) {
	a := s.Annotations
	t = Token{
		User:     string(s.Data[UserKey]),
		Value:    string(s.Data[TokenKey]),
		Audience: a[natsv1alpha2.AnnotationTokenAudience],
	}
	var err1, err2, err3 error
	t.ExpirationSeconds, err1 = strconv.ParseInt(a[natsv1alpha2.AnnotationTokenExpirationSeconds], 10, 64)
	t.ExpiresAt, err2 = time.Parse(time.RFC3339, a[natsv1alpha2.AnnotationTokenExpiresAt])
	t.RenewAt, err3 = time.Parse(time.RFC3339, a[natsv1alpha2.AnnotationTokenRenewAt])
	ok = t.Value != "" && t.User != "" && err1 == nil && err2 == nil && err3 == nil
	return t, ok
}

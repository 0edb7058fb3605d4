// Package resource builds the objects the Go controllers own, one builder
// per object: Build returns the identity (name, namespace), Update sets
// everything that may change and is the mutate function of
// controllerutil.CreateOrUpdate.
package resource

import (
	"fmt"
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// AuthSecretName is the name of the Secret the chart mounts at
// /etc/nats-config/auth/: <cluster>-auth.
func AuthSecretName(cluster string) string { return auth.SecretName(cluster) }

// AuthSecret builds <cluster>-auth, the NATS auth fragments of one cluster
// (keys in internal/auth), owned by the NatsCluster.
type AuthSecret struct {
	Cluster *natsv1alpha2.NatsCluster
	// Data is the complete content; keys not in it are removed.
	Data   map[string][]byte
	Scheme *runtime.Scheme
}

// Build returns the Secret's identity.
func (b *AuthSecret) Build() *corev1.Secret {
	s := &corev1.Secret{}
	s.Name = AuthSecretName(b.Cluster.Name)
	s.Namespace = b.Cluster.Namespace
	return s
}

// Update sets labels, data and the controller reference. It refuses a
// Secret of that name that another controller owns.
func (b *AuthSecret) Update(s *corev1.Secret) error {
	if err := claimClusterSecret(s, b.Cluster, natsv1alpha2.ComponentAuth, b.Scheme); err != nil {
		return err
	}
	s.Data = maps.Clone(b.Data)
	return nil
}

// claimClusterSecret makes s the cluster's Secret of component: the
// operator's labels, type Opaque and the cluster's controller reference.
// It refuses a Secret that another object controls.
func claimClusterSecret(s *corev1.Secret, nc *natsv1alpha2.NatsCluster, component string, scheme *runtime.Scheme) error {
	if owner := metav1ControllerOf(s); owner != "" && owner != string(nc.UID) {
		return fmt.Errorf("secret %s/%s is controlled by another object: %w", s.Namespace, s.Name, ErrNotOwned)
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	maps.Copy(s.Labels, map[string]string{
		natsv1alpha2.LabelManagedBy: natsv1alpha2.ManagedByValue,
		natsv1alpha2.LabelApp:       "nats",
		natsv1alpha2.LabelCluster:   nc.Name,
		natsv1alpha2.LabelComponent: component,
	})
	s.Type = corev1.SecretTypeOpaque
	if err := controllerutil.SetControllerReference(nc, s, scheme); err != nil {
		return fmt.Errorf("failed setting controller reference: %w", err)
	}
	return nil
}

// ErrNotOwned: an object of the name the operator needs exists and is not
// the operator's; it is never adopted silently.
var ErrNotOwned = fmt.Errorf("object not managed by nats-operator")

func metav1ControllerOf(s *corev1.Secret) string {
	for _, r := range s.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return string(r.UID)
		}
	}
	return ""
}

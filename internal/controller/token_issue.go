package controller

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/resource"
)

const (
	// DefaultTokenExpirationSeconds is the token lifetime requested when
	// spec.auth.serviceAccountTokenExpirationSeconds is not set.
	DefaultTokenExpirationSeconds int64 = 3600
	// renewFraction of a token's lifetime passes before it is replaced, as
	// the kubelet does for projected tokens.
	renewFraction = 0.8
)

// tokenAudience is the audience of a role's tokens, as in nats-operator:
// the token is worthless against the Kubernetes API.
func tokenAudience(cluster, saNamespace string) string {
	return fmt.Sprintf("nats://%s.%s.svc", cluster, saNamespace)
}

func expirationSeconds(nc *natsv1alpha2.NatsCluster) int64 {
	if a := nc.Spec.Auth; a != nil && a.ServiceAccountTokenExpirationSeconds != nil {
		return *a.ServiceAccountTokenExpirationSeconds
	}
	return DefaultTokenExpirationSeconds
}

// tokenResult is what ensureTokens leaves: the role users, the earliest
// time a token must be renewed (zero: none), and the first target that
// could not get a new token (it keeps its current one meanwhile).
type tokenResult struct {
	users   []auth.RoleUser
	renewAt time.Time
	failed  error
}

// ensureTokens makes sure every target has a current token. A
// ServiceAccount deleted meanwhile is left out.
//
// Nothing is written before every token Secret is known to be the
// operator's; err reports that check and means nothing changed. A target
// whose new token cannot be issued or stored keeps its current token, so
// that the users always match the token Secrets; the failure is in
// tokenResult.failed, to be reported and retried once clients.conf is
// written.
func (r *AuthReconciler) ensureTokens(ctx context.Context, nc *natsv1alpha2.NatsCluster, plan *rolePlan) (tokenResult, error) {
	secrets := make([]*corev1.Secret, len(plan.targets))
	var res tokenResult
	skip := make([]bool, len(plan.targets))
	for i, t := range plan.targets {
		s, err := r.currentTokenSecret(ctx, nc, t)
		if err != nil && t.namespace != nc.Namespace && errors.Is(err, errForeignTokenSecret) {
			// A ServiceAccount in another namespace whose Secret name is taken
			// (<role>-<cluster>-bound-token does not say which namespace the
			// cluster is in): that one user is left out, the rest applies.
			skip[i] = true
			res.failed = cmp.Or(res.failed, err)
			continue
		}
		if err != nil {
			return tokenResult{}, err
		}
		secrets[i] = s
	}
	for i, t := range plan.targets {
		if skip[i] {
			continue
		}
		tok, err := r.ensureToken(ctx, nc, t, secrets[i])
		if errors.Is(err, errServiceAccountGone) {
			continue
		}
		if err != nil {
			res.failed = cmp.Or(res.failed, err)
			cur, ok := currentToken(secrets[i], t.user)
			if !ok {
				continue
			}
			tok = cur
		}
		res.users = append(res.users, auth.RoleUser{Role: t.role.Name, User: t.user, Password: tok.Value, Permissions: t.perms})
		if res.renewAt.IsZero() || tok.RenewAt.Before(res.renewAt) {
			res.renewAt = tok.RenewAt
		}
	}
	return res, nil
}

var errServiceAccountGone = errors.New("ServiceAccount deleted")

func (r *AuthReconciler) tokenBuilder(nc *natsv1alpha2.NatsCluster, t tokenTarget) *resource.TokenSecret {
	return &resource.TokenSecret{Cluster: clusterKey(nc), Role: t.role, Namespace: t.namespace, Scheme: r.Scheme}
}

// currentToken is the complete token of s for user, if any.
func currentToken(s *corev1.Secret, user string) (resource.Token, bool) {
	if s == nil {
		return resource.Token{}, false
	}
	tok, ok := resource.TokenOf(s)
	return tok, ok && tok.User == user
}

// ensureToken returns the target's token, issuing one when there is none,
// when it is due (renewFraction of its lifetime), or when the audience,
// lifetime or user changed. s is the token Secret, nil if there is none.
//
// The token Secret is the source of truth: a new token is written there
// first and clients.conf is derived from the token Secrets right after,
// in the same reconcile. If that second write fails, the next reconcile
// writes clients.conf from the token Secrets again, so the two never stay
// apart and no token is ever lost.
func (r *AuthReconciler) ensureToken(ctx context.Context, nc *natsv1alpha2.NatsCluster, t tokenTarget, s *corev1.Secret) (resource.Token, error) {
	b := r.tokenBuilder(nc, t)
	want := wantedToken(nc, t)
	if cur, kept := r.keptToken(s, want); kept {
		return cur, nil
	}
	_, rotated := currentToken(s, t.user)
	if s == nil {
		// The token is bound to its Secret, which must exist (with its
		// UID) first.
		s = b.Build()
		if err := b.Update(s); err != nil {
			return resource.Token{}, err
		}
		if err := r.Create(ctx, s); err != nil {
			return resource.Token{}, fmt.Errorf("creating token Secret %s/%s: %w", s.Namespace, s.Name, err)
		}
	}
	tok, err := r.issueToken(ctx, t, s, want)
	if err != nil {
		return resource.Token{}, err
	}
	updated := s.DeepCopy()
	if err := b.Update(updated); err != nil {
		return resource.Token{}, err
	}
	resource.SetToken(updated, tok)
	if err := r.Update(ctx, updated); err != nil {
		return resource.Token{}, fmt.Errorf("writing token Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	verb := "Issued"
	if rotated {
		verb = "Rotated"
	}
	r.Recorder.Eventf(nc, corev1.EventTypeNormal, natsv1alpha2.ReasonTokenIssued,
		"%s the token of NatsServiceRole %s for ServiceAccount %s/%s (user %q, Secret %s), renewed after %s",
		verb, t.role.Name, t.namespace, t.role.Name, t.user, s.Name, tok.RenewAt.UTC().Format(time.RFC3339))
	log.FromContext(ctx).Info(strings.ToLower(verb)+" ServiceAccount token", "role", t.role.Name,
		"serviceAccountNamespace", t.namespace, "secret", s.Name, "renewAt", tok.RenewAt)
	return tok, nil
}

func wantedToken(nc *natsv1alpha2.NatsCluster, t tokenTarget) resource.Token {
	return resource.Token{User: t.user, Audience: tokenAudience(nc.Name, t.namespace), ExpirationSeconds: expirationSeconds(nc)}
}

// keptToken is the token of s when it stays as it is: the operator's, for
// want's user, audience and lifetime, and not due yet.
func (r *AuthReconciler) keptToken(s *corev1.Secret, want resource.Token) (resource.Token, bool) {
	cur, ok := currentToken(s, want.User)
	return cur, ok && cur.Audience == want.Audience && cur.ExpirationSeconds == want.ExpirationSeconds &&
		r.now().Before(cur.RenewAt) && s.Labels[natsv1alpha2.LabelManagedBy] == natsv1alpha2.ManagedByValue
}

// currentTokenSecret is the target's token Secret. A token the cache holds
// that stays as it is (keptToken) is taken from the cache: reading each
// token Secret from the API server at every reconcile made the auth
// controller's reads grow with roles × reconciles. Anything else (no
// Secret, a token due or to be re-issued, a Secret someone else owns, a
// namespace the cache does not cover) is read from the API server, so no
// token is issued and no Secret replaced on a stale view.
func (r *AuthReconciler) currentTokenSecret(ctx context.Context, nc *natsv1alpha2.NatsCluster, t tokenTarget) (*corev1.Secret, error) {
	b := r.tokenBuilder(nc, t)
	cached := b.Build()
	if err := r.Get(ctx, client.ObjectKeyFromObject(cached), cached); err == nil && b.Owns(cached) {
		if _, ok := r.keptToken(cached, wantedToken(nc, t)); ok {
			return cached, nil
		}
	}
	return r.lookupTokenSecret(ctx, b)
}

// lookupTokenSecret returns the target's token Secret, nil if there is
// none, and refuses one the operator does not own. It reads from the API
// server, not the cache, so that a token written a moment ago is never
// taken for an older one.
func (r *AuthReconciler) lookupTokenSecret(ctx context.Context, b *resource.TokenSecret) (*corev1.Secret, error) {
	s := b.Build()
	key := types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
	err := r.APIReader.Get(ctx, key, s)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading token Secret %s: %w", key, err)
	case !b.Owns(s) && r.yieldsToLocalCluster(s, b):
		// The Secret is another namespace's cluster's token for this
		// namespace's ServiceAccount; the cluster of this namespace takes
		// precedence. Deleting the Secret also invalidates the token bound to
		// it; the other cluster reports the conflict on its next reconcile.
		if err := r.Delete(ctx, s, client.Preconditions{UID: &s.UID}); client.IgnoreNotFound(err) != nil {
			return nil, fmt.Errorf("replacing token Secret %s of another namespace's cluster: %w", key, err)
		}
		return nil, nil
	case !b.Owns(s):
		return nil, &foreignTokenSecret{userErrorf(natsv1alpha2.ReasonTokenSecretConflict,
			"Secret %s exists and does not belong to NatsServiceRole %s/%s of this cluster: delete or rename it, "+
				"or rename the role", key, b.Role.Namespace, b.Role.Name)}
	}
	return s, nil
}

// errForeignTokenSecret marks a token Secret name taken by something else.
var errForeignTokenSecret = errors.New("token Secret belongs to someone else")

type foreignTokenSecret struct{ error }

func (e *foreignTokenSecret) Unwrap() []error { return []error{e.error, errForeignTokenSecret} }

// yieldsToLocalCluster: s is the operator's token Secret of a cluster in
// another namespace, and b's cluster lives in s's namespace.
func (r *AuthReconciler) yieldsToLocalCluster(s *corev1.Secret, b *resource.TokenSecret) bool {
	l := s.Labels
	return l[natsv1alpha2.LabelManagedBy] == natsv1alpha2.ManagedByValue &&
		l[natsv1alpha2.LabelClusterNamespace] != "" && l[natsv1alpha2.LabelClusterNamespace] != s.Namespace &&
		b.Cluster.Namespace == s.Namespace
}

// issueToken asks the TokenRequest API for a token of the role's
// ServiceAccount, bound to the token Secret: deleting the Secret
// invalidates the token for Kubernetes (TokenReview).
func (r *AuthReconciler) issueToken(ctx context.Context, t tokenTarget, s *corev1.Secret, want resource.Token) (resource.Token, error) {
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences:         []string{want.Audience},
		ExpirationSeconds: ptr.To(want.ExpirationSeconds),
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: s.Name, UID: s.UID},
	}}
	sa := &corev1.ServiceAccount{}
	sa.Name, sa.Namespace = t.role.Name, t.namespace
	if err := r.SubResource("token").Create(ctx, sa, tr); err != nil {
		if apierrors.IsNotFound(err) {
			return resource.Token{}, errServiceAccountGone
		}
		return resource.Token{}, &tokenRequestError{sa: t.namespace + "/" + t.role.Name, err: err}
	}
	lifetime := tokenLifetime(tr.Status.Token, time.Duration(want.ExpirationSeconds)*time.Second)
	now := r.now()
	want.Value = tr.Status.Token
	want.ExpiresAt = now.Add(lifetime)
	want.RenewAt = now.Add(time.Duration(float64(lifetime) * renewFraction))
	return want, nil
}

// tokenRequestError is a refused TokenRequest; AuthReady says so and the
// reconcile is retried with backoff.
type tokenRequestError struct {
	sa  string
	err error
}

func (e *tokenRequestError) Error() string {
	return fmt.Sprintf("TokenRequest for ServiceAccount %s failed: %v", e.sa, e.err)
}

func (e *tokenRequestError) Unwrap() error { return e.err }

// tokenLifetime is exp - iat of the JWT: the API server may grant less
// than requested (--service-account-max-token-expiration). The claims are
// read, not verified: the token comes straight from the API server.
func tokenLifetime(jwt string, requested time.Duration) time.Duration {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return requested
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return requested
	}
	var claims struct {
		Iat int64 `json:"iat"`
		Exp int64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp <= claims.Iat || claims.Iat == 0 {
		return requested
	}
	return time.Duration(claims.Exp-claims.Iat) * time.Second
}

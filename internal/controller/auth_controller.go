package controller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/status"
)

// AuthReconciler writes, per NatsCluster, the Secret <cluster>-auth that the
// chart mounts (clients.conf, cluster.conf, routes.conf, gateway.conf; see
// internal/auth) and the ServiceAccount token Secrets of
// enableServiceAccounts. A bad input never replaces the last good
// <cluster>-auth: it sets AuthReady=False with a reason and a Warning Event.
type AuthReconciler struct {
	client.Client
	// APIReader reads what the cache does not hold: the Secrets named in
	// spec.auth, and token Secrets that must be current.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  record.EventRecorder
	Secrets   *SecretWatcher
	// Clock decides when tokens are due; nil means the real clock.
	Clock clock.PassiveClock
	// MaxRequeueAfter bounds the wait for the next token renewal; 0 means
	// no bound. Tests with a fake Clock use it to notice the jump.
	MaxRequeueAfter time.Duration
	// Values are the cluster's chart values, for the route list.
	Values ValuesFunc
	// NoTokenSecrets refuses the token-Secret mode: the operator was
	// installed without the permission to issue tokens.
	NoTokenSecrets bool
}

// +kubebuilder:rbac:groups=nats.io,resources=natsclusters,verbs=get;list;watch
// +kubebuilder:rbac:groups=nats.io,resources=natsclusters/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=nats.io,resources=natsserviceroles,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts/token,verbs=create
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconcile brings <cluster>-auth and the token Secrets in line with
// spec.auth, the referenced Secrets, the NatsServiceRoles and the
// ServiceAccounts.
func (r *AuthReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var nc natsv1alpha2.NatsCluster
	err := r.Get(ctx, req.NamespacedName, &nc)
	if client.IgnoreNotFound(err) != nil {
		return ctrl.Result{}, err
	}
	if err != nil || !nc.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileGone(ctx, req.NamespacedName, &nc)
	}
	r.Secrets.Track(req.NamespacedName, refKeys(watchedSecrets(&nc)))
	if !wantsAuthSecret(&nc) {
		return ctrl.Result{}, r.reconcileNoAuth(ctx, &nc)
	}
	if !nc.Spec.Auth.CalloutMode() {
		if err := r.deleteCalloutSecret(ctx, &nc); err != nil {
			return ctrl.Result{}, err
		}
	}
	src, plan, err := r.desiredAuth(ctx, &nc)
	if err != nil {
		return r.finish(ctx, &nc, err)
	}
	tokens, files, err := r.applyAuth(ctx, &nc, src, plan)
	if err != nil {
		return r.finish(ctx, &nc, err)
	}
	ready := readyCondition(files, tokens.users, plan, &nc)
	problem, err := r.calloutCertificateProblem(ctx, &nc)
	if err != nil {
		return ctrl.Result{}, err
	}
	if problem != "" {
		ready = authReady(natsv1alpha2.ReasonCalloutCertificateUnusable, problem)
	}
	if err := r.report(ctx, &nc, ready); err != nil {
		return ctrl.Result{}, err
	}
	renewAt := tokens.renewAt
	if c := src.Callout; c != nil && !c.RenewAt.IsZero() && (renewAt.IsZero() || c.RenewAt.Before(renewAt)) {
		renewAt = c.RenewAt
	}
	return ctrl.Result{RequeueAfter: r.requeueAfter(renewAt)}, nil
}

// reconcileGone stops watching a deleted cluster's Secrets and deletes its
// token Secrets in every namespace; <cluster>-auth goes with its owner.
func (r *AuthReconciler) reconcileGone(ctx context.Context, key types.NamespacedName, nc *natsv1alpha2.NatsCluster) error {
	r.Secrets.Track(key, nil)
	if nc.UID == "" {
		nc = nil
	}
	return r.pruneTokens(ctx, nc, key, nil)
}

// applyAuth issues or rotates the tokens, writes <cluster>-auth from them
// and deletes the token Secrets no longer wanted.
func (r *AuthReconciler) applyAuth(ctx context.Context, nc *natsv1alpha2.NatsCluster, src auth.Sources, plan *rolePlan) (tokenResult, map[string][]byte, error) {
	tokens, err := r.ensureTokens(ctx, nc, plan)
	if err != nil {
		return tokens, nil, err
	}
	src.Roles = tokens.users
	files, err := src.Files()
	if err != nil {
		return tokens, nil, classify(err, "")
	}
	if err := r.writeAuthSecret(ctx, nc, files); err != nil {
		return tokens, nil, err
	}
	if tokens.failed != nil {
		return tokens, nil, tokenFailure(tokens.failed)
	}
	return tokens, files, r.pruneTokens(ctx, nc, clusterKey(nc), plan.keys(nc.Name))
}

// desiredAuth reads every source and checks, before any token is issued
// or any Secret written, that nats-server accepts what they make.
func (r *AuthReconciler) desiredAuth(ctx context.Context, nc *natsv1alpha2.NatsCluster) (auth.Sources, *rolePlan, error) {
	src, err := r.loadSources(ctx, nc)
	if err != nil {
		return src, nil, err
	}
	plan, err := r.planRoles(ctx, nc)
	if err != nil {
		return src, nil, err
	}
	check := src
	check.Roles = plan.placeholderUsers()
	if _, err := check.Files(); err != nil {
		return src, nil, classify(err, "")
	}
	return src, plan, nil
}

// reconcileNoAuth removes what an earlier spec.auth needed.
func (r *AuthReconciler) reconcileNoAuth(ctx context.Context, nc *natsv1alpha2.NatsCluster) error {
	if err := r.deleteAuthSecret(ctx, nc); err != nil {
		return err
	}
	if err := r.deleteCalloutSecret(ctx, nc); err != nil {
		return err
	}
	if err := r.pruneTokens(ctx, nc, clusterKey(nc), nil); err != nil {
		return err
	}
	if status.Find(nc.Status.Conditions, natsv1alpha2.ConditionAuthReady) == nil {
		return nil
	}
	return r.report(ctx, nc, authReady(natsv1alpha2.ReasonAuthNotConfigured,
		"spec.auth names no Secret and does not enable ServiceAccounts: the operator writes no auth Secret"))
}

// tokenFailure turns a refused TokenRequest into AuthReady=False while the
// error is still retried.
func tokenFailure(err error) error {
	var te *tokenRequestError
	if errors.As(err, &te) {
		return &retriedUserError{userError: userError{reason: natsv1alpha2.ReasonTokenRequestFailed, msg: te.Error()}, err: err}
	}
	return err
}

// readyCondition summarizes what <cluster>-auth now holds.
func readyCondition(files map[string][]byte, users []auth.RoleUser, plan *rolePlan, nc *natsv1alpha2.NatsCluster) natsv1alpha2.Condition {
	if len(plan.missing) > 0 {
		return authReady(natsv1alpha2.ReasonServiceAccountMissing, plan.missingMessage(nc))
	}
	var parts []string
	for _, k := range []string{auth.KeyClients, auth.KeyCluster, auth.KeyGateway} {
		if _, ok := files[k]; ok {
			parts = append(parts, k)
		}
	}
	msg := fmt.Sprintf("Secret %s holds %s", resource.AuthSecretName(nc.Name), strings.Join(parts, ", "))
	switch {
	case nc.Spec.Auth.CalloutMode():
		msg += fmt.Sprintf("; ServiceAccount users connect through the auth callout (Secret %s)", resource.CalloutSecretName(nc.Name))
	case nc.Spec.Auth.EnableServiceAccounts:
		msg += fmt.Sprintf("; %d ServiceAccount user(s)", len(users))
	}
	return authReady(natsv1alpha2.ReasonAuthConfigured, msg)
}

// keys are the token Secrets the plan keeps.
func (p *rolePlan) keys(cluster string) map[types.NamespacedName]bool {
	keep := map[types.NamespacedName]bool{}
	for _, t := range p.targets {
		keep[t.secretKey(cluster)] = true
	}
	return keep
}

func (r *AuthReconciler) now() time.Time {
	if r.Clock == nil {
		return time.Now()
	}
	return r.Clock.Now()
}

// requeueAfter waits until the next token is due (zero: none), at least a
// second, at most MaxRequeueAfter.
func (r *AuthReconciler) requeueAfter(renewAt time.Time) time.Duration {
	if renewAt.IsZero() {
		return 0
	}
	d := max(renewAt.Sub(r.now()), time.Second)
	if r.MaxRequeueAfter > 0 {
		d = min(d, r.MaxRequeueAfter)
	}
	return d
}

// watchedSecrets are the Secrets whose changes reconcile the cluster: those
// spec.auth names, and the clients' TLS Secret whose certificate the
// callout sidecar presents.
func watchedSecrets(nc *natsv1alpha2.NatsCluster) []secretRef {
	refs := referencedSecrets(nc)
	if ref, ok := calloutCertificateRef(nc); ok {
		refs = append(refs, ref)
	}
	return refs
}

func refKeys(refs []secretRef) []types.NamespacedName {
	keys := make([]types.NamespacedName, 0, len(refs))
	for _, ref := range refs {
		keys = append(keys, ref.key)
	}
	return keys
}

// SetupWithManager watches NatsClusters (spec changes), their
// <cluster>-auth, the token Secrets, NatsServiceRoles, ServiceAccounts
// (metadata only) and, through SecretWatcher, the Secrets spec.auth names.
func (r *AuthReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("natscluster-auth").
		For(&natsv1alpha2.NatsCluster{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Owns(&corev1.Secret{}).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(tokenSecretCluster)).
		Watches(&natsv1alpha2.NatsServiceRole{}, handler.EnqueueRequestsFromMapFunc(roleCluster)).
		WatchesMetadata(&corev1.ServiceAccount{}, handler.EnqueueRequestsFromMapFunc(r.serviceAccountClusters)).
		WatchesRawSource(r.Secrets.Source()).
		Complete(r)
}

// tokenSecretCluster maps a token Secret to its cluster.
func tokenSecretCluster(_ context.Context, o client.Object) []reconcile.Request {
	l := o.GetLabels()
	if l[natsv1alpha2.LabelComponent] != natsv1alpha2.ComponentServiceRoleToken || l[natsv1alpha2.LabelClusterNamespace] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: l[natsv1alpha2.LabelClusterNamespace], Name: l[natsv1alpha2.LabelCluster]}}}
}

// roleCluster maps a NatsServiceRole to the cluster its label names; on
// an update both the old and the new label are mapped.
func roleCluster(_ context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[natsv1alpha2.ClusterLabel]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}

// serviceAccountClusters maps a ServiceAccount to the clusters of the roles
// of its name, in any namespace.
func (r *AuthReconciler) serviceAccountClusters(ctx context.Context, o client.Object) []reconcile.Request {
	var roles natsv1alpha2.NatsServiceRoleList
	if err := r.List(ctx, &roles, client.MatchingFields{nameIndex: o.GetName()}); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for i := range roles.Items {
		reqs = append(reqs, roleCluster(ctx, &roles.Items[i])...)
	}
	return reqs
}

package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
)

// ServiceRoleReconciler owns what is per NatsServiceRole: its finalizer,
// which deletes the role's token Secrets in every namespace (no owner
// reference can reach across namespaces, nats-operator#321), and its
// status. Tokens and users are the AuthReconciler's, per cluster.
type ServiceRoleReconciler struct {
	client.Client
	Recorder record.EventRecorder
}

// +kubebuilder:rbac:groups=nats.io,resources=natsserviceroles,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=nats.io,resources=natsserviceroles/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=nats.io,resources=natsserviceroles/finalizers,verbs=update
// +kubebuilder:rbac:groups=nats.io,resources=natsclusters,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconcile keeps the finalizer on a live role, cleans up a deleted one,
// and writes the role's Ready condition.
func (r *ServiceRoleReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var role natsv1alpha2.NatsServiceRole
	if err := r.Get(ctx, req.NamespacedName, &role); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !role.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, &role)
	}
	if err := r.addFinalizer(ctx, &role); err != nil {
		return ctrl.Result{}, err
	}
	obs, err := r.observe(ctx, &role)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.setStatus(ctx, &role, obs.condition())
}

func (r *ServiceRoleReconciler) addFinalizer(ctx context.Context, role *natsv1alpha2.NatsServiceRole) error {
	if controllerutil.ContainsFinalizer(role, natsv1alpha2.ServiceRoleFinalizer) {
		return nil
	}
	patch := client.MergeFromWithOptions(role.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(role, natsv1alpha2.ServiceRoleFinalizer)
	return r.Patch(ctx, role, patch)
}

// finalize deletes the role's token Secrets wherever they are, then lets
// the role go. The AuthReconciler of its cluster, woken by the same
// deletion, has already dropped the role's users from clients.conf or
// does so now; it also deletes any token Secret it wrote concurrently.
func (r *ServiceRoleReconciler) finalize(ctx context.Context, role *natsv1alpha2.NatsServiceRole) error {
	if !controllerutil.ContainsFinalizer(role, natsv1alpha2.ServiceRoleFinalizer) {
		return nil
	}
	secrets, err := r.tokenSecrets(ctx, role)
	if err != nil {
		return err
	}
	for i := range secrets {
		s := &secrets[i]
		if err := r.Delete(ctx, s, client.Preconditions{UID: &s.UID}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting token Secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		log.FromContext(ctx).Info("token Secret deleted with its role", "secret", client.ObjectKeyFromObject(s))
	}
	patch := client.MergeFromWithOptions(role.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(role, natsv1alpha2.ServiceRoleFinalizer)
	return client.IgnoreNotFound(r.Patch(ctx, role, patch))
}

// tokenSecrets lists the role's token Secrets in every watched namespace,
// for any cluster the role was ever labeled with.
func (r *ServiceRoleReconciler) tokenSecrets(ctx context.Context, role *natsv1alpha2.NatsServiceRole) ([]corev1.Secret, error) {
	var list corev1.SecretList
	err := r.List(ctx, &list, client.MatchingLabels{
		natsv1alpha2.LabelManagedBy:        natsv1alpha2.ManagedByValue,
		natsv1alpha2.LabelComponent:        natsv1alpha2.ComponentServiceRoleToken,
		natsv1alpha2.LabelServiceRole:      role.Name,
		natsv1alpha2.LabelClusterNamespace: role.Namespace,
	})
	if err != nil {
		return nil, fmt.Errorf("listing token Secrets: %w", err)
	}
	return list.Items, nil
}

// observe gathers what the role's condition depends on.
func (r *ServiceRoleReconciler) observe(ctx context.Context, role *natsv1alpha2.NatsServiceRole) (roleObservation, error) {
	o := roleObservation{role: role}
	if name := role.Labels[natsv1alpha2.ClusterLabel]; name != "" {
		var nc natsv1alpha2.NatsCluster
		err := r.Get(ctx, types.NamespacedName{Namespace: role.Namespace, Name: name}, &nc)
		if client.IgnoreNotFound(err) != nil {
			return o, err
		}
		if err == nil {
			o.cluster = &nc
		}
	}
	var err error
	if o.serviceAccounts, err = serviceAccountNamespaces(ctx, r.Client, role.Name); err != nil {
		return o, err
	}
	o.tokenSecrets, err = r.tokenSecrets(ctx, role)
	return o, err
}

// setStatus writes the Ready condition when it changed, with a Warning
// Event when it turns to a new problem.
func (r *ServiceRoleReconciler) setStatus(ctx context.Context, role *natsv1alpha2.NatsServiceRole, cond roleCondition) error {
	old := meta.FindStatusCondition(role.Status.Conditions, natsv1alpha2.ServiceRoleConditionReady)
	before := role.DeepCopy()
	c := cond.metav1(role.Generation)
	meta.SetStatusCondition(&role.Status.Conditions, c)
	if equality.Semantic.DeepEqual(before.Status, role.Status) {
		return nil
	}
	if cond.warning && (old == nil || old.Reason != c.Reason || old.Message != c.Message) {
		r.Recorder.Event(role, corev1.EventTypeWarning, c.Reason, c.Message)
	}
	// This controller is the only writer of a role's status, so the patch
	// needs no optimistic lock: with one, a reconcile that read the role
	// from a cache one event behind (its own previous write) got a 409 and
	// logged it as an error in a normal run.
	return r.Status().Patch(ctx, role, client.MergeFrom(before))
}

// SetupWithManager watches roles, their token Secrets, ServiceAccounts of
// their names (metadata only) and their clusters.
func (r *ServiceRoleReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("natsservicerole").
		For(&natsv1alpha2.NatsServiceRole{}).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(tokenSecretRole)).
		WatchesMetadata(&corev1.ServiceAccount{}, handler.EnqueueRequestsFromMapFunc(r.rolesNamed)).
		Watches(&natsv1alpha2.NatsCluster{}, handler.EnqueueRequestsFromMapFunc(r.clusterRoles),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(r)
}

func tokenSecretRole(_ context.Context, o client.Object) []reconcile.Request {
	l := o.GetLabels()
	if l[natsv1alpha2.LabelComponent] != natsv1alpha2.ComponentServiceRoleToken || l[natsv1alpha2.LabelServiceRole] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: l[natsv1alpha2.LabelClusterNamespace], Name: l[natsv1alpha2.LabelServiceRole]}}}
}

func (r *ServiceRoleReconciler) rolesNamed(ctx context.Context, o client.Object) []reconcile.Request {
	var roles natsv1alpha2.NatsServiceRoleList
	if err := r.List(ctx, &roles, client.MatchingFields{nameIndex: o.GetName()}); err != nil {
		return nil
	}
	return roleRequests(roles.Items)
}

func (r *ServiceRoleReconciler) clusterRoles(ctx context.Context, o client.Object) []reconcile.Request {
	var roles natsv1alpha2.NatsServiceRoleList
	if err := r.List(ctx, &roles, client.InNamespace(o.GetNamespace()),
		client.MatchingLabels{natsv1alpha2.ClusterLabel: o.GetName()}); err != nil {
		return nil
	}
	return roleRequests(roles.Items)
}

func roleRequests(roles []natsv1alpha2.NatsServiceRole) []reconcile.Request {
	reqs := make([]reconcile.Request, 0, len(roles))
	for i := range roles {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&roles[i])})
	}
	return reqs
}

// tokenSecretName is the token Secret of a role's ServiceAccount in ns.
func tokenSecretName(role *natsv1alpha2.NatsServiceRole, ns string) types.NamespacedName {
	return types.NamespacedName{Namespace: ns, Name: resource.TokenSecretName(role.Name, role.Labels[natsv1alpha2.ClusterLabel])}
}

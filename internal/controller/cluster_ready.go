// Package controller holds the operator's Go controllers, which run beside
// the Helm reconciler on the same manager.
package controller

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/status"
)

// ClusterReadyReconciler keeps the Ready condition of each NatsCluster in
// line with its StatefulSet, and its state (the STATUS column) in line with
// all its conditions, between Helm reconciles: the Helm reconciler's status
// write carries both as they stand when it writes (helmStatusWriter.addReady),
// computed by the same functions, so this controller writes only what
// changed since, mostly the servers getting ready.
type ClusterReadyReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=nats.io,resources=natsclusters,verbs=get;list;watch
// +kubebuilder:rbac:groups=nats.io,resources=natsclusters/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=apps,resources=statefulsets,verbs=get;list;watch

// Reconcile computes Ready from the StatefulSet and writes it when it changed.
func (r *ClusterReadyReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var nc natsv1alpha2.NatsCluster
	if err := r.Get(ctx, req.NamespacedName, &nc); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	// Until the Helm reconciler reports its first install the state can only
	// be Pending, and its status write carries Ready and the state: waiting
	// for it saves a status write per cluster created.
	if !nc.DeletionTimestamp.IsZero() || !status.HelmReported(nc.Status.Conditions) {
		return ctrl.Result{}, nil
	}
	sts, err := status.StatefulSetOf(ctx, r.Client, req.NamespacedName)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, status.SetReady(ctx, r.Client, req.NamespacedName, status.ReadyOf(&nc, sts))
}

// SetupWithManager watches NatsClusters (spec changes, and condition
// changes that make the state stale: other status writes need no recount)
// and the StatefulSets they own.
func (r *ClusterReadyReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("natscluster-ready").
		For(&natsv1alpha2.NatsCluster{}, builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, stateStale, readyBehind))).
		Owns(&appsv1.StatefulSet{}).
		Complete(r)
}

// readyBehind passes the updates after which Ready speaks of an older spec
// than the one the Helm reconciler has just deployed.
var readyBehind = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	nc, ok := e.ObjectNew.(*natsv1alpha2.NatsCluster)
	if !ok || !status.Applied(nc) {
		return false
	}
	ready := status.Find(nc.Status.Conditions, natsv1alpha2.ConditionReady)
	return ready == nil || ready.ObservedGeneration != nc.Generation
}}

// stateStale passes the updates after which the stored state no longer
// matches the conditions, e.g. the Helm reconciler reporting a refused
// change.
var stateStale = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	nc, ok := e.ObjectNew.(*natsv1alpha2.NatsCluster)
	return ok && status.State(nc.Status.Conditions) != nc.Status.State
}}

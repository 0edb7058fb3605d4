// Package controller holds the operator's Go controllers, which run beside
// the Helm reconciler on the same manager.
package controller

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
// all its conditions: the state's only writer.
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
	// be Pending, and its status write wakes this controller (stateStale):
	// waiting for it saves a status write per cluster created.
	if !nc.DeletionTimestamp.IsZero() || !status.HelmReported(nc.Status.Conditions) {
		return ctrl.Result{}, nil
	}
	sts, err := r.statefulSet(ctx, req)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, status.SetReady(ctx, r.Client, req.NamespacedName, readyOf(&nc, sts))
}

// readyOf is the Ready condition of the spec that runs. Until the Helm
// reconciler has deployed the current generation (or while it refuses it),
// Ready keeps speaking of the running one, with its observedGeneration, so
// that kubectl wait --for=condition=Ready after an edit waits for the edit.
func readyOf(nc *natsv1alpha2.NatsCluster, sts *appsv1.StatefulSet) natsv1alpha2.Condition {
	ready := status.Ready(desiredSize(nc), sts)
	ready.ObservedGeneration = nc.Generation
	if status.Applied(nc) {
		return ready
	}
	if old := status.Find(nc.Status.Conditions, natsv1alpha2.ConditionReady); old != nil {
		return *old
	}
	if d := status.Find(nc.Status.Conditions, natsv1alpha2.ConditionDeployed); d != nil {
		ready.ObservedGeneration = d.ObservedGeneration
	}
	return ready
}

func (r *ClusterReadyReconciler) statefulSet(ctx context.Context, req ctrl.Request) (*appsv1.StatefulSet, error) {
	var sts appsv1.StatefulSet
	err := r.Get(ctx, req.NamespacedName, &sts)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return &sts, err
}

func desiredSize(nc *natsv1alpha2.NatsCluster) int32 {
	if nc.Spec.Size == nil {
		return 0
	}
	return *nc.Spec.Size
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

// Package status holds the condition logic of the Go controllers. Conditions
// are pure functions of observed objects; one helper writes them, each
// controller as its own field manager, only its own condition types. Ready
// and the state also ride on the Helm reconciler's status write, computed
// by the same functions (ReadyOf, State).
package status

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Ready reports how many of the desired servers are ready. The message is
// "<ready>/<desired>", the NatsCluster's Ready printer column.
func Ready(desired int32, sts *appsv1.StatefulSet) natsv1alpha2.Condition {
	if sts == nil {
		return natsv1alpha2.Condition{
			Type: natsv1alpha2.ConditionReady, Status: metav1.ConditionFalse,
			Reason: natsv1alpha2.ReasonStatefulSetMissing, Message: fmt.Sprintf("0/%d", desired),
		}
	}
	ready := sts.Status.ReadyReplicas
	c := natsv1alpha2.Condition{Type: natsv1alpha2.ConditionReady, Message: fmt.Sprintf("%d/%d", ready, desired)}
	// Ready only once the StatefulSet has seen the current spec and every
	// server runs it, so a rollout in progress is not reported as done.
	current := sts.Status.ObservedGeneration >= sts.Generation &&
		sts.Status.UpdatedReplicas == desired && sts.Status.Replicas == desired
	switch {
	case ready == desired && current:
		c.Status, c.Reason = metav1.ConditionTrue, natsv1alpha2.ReasonAllReplicasReady
	case !current:
		c.Status, c.Reason = metav1.ConditionFalse, natsv1alpha2.ReasonRollingOut
	default:
		c.Status, c.Reason = metav1.ConditionFalse, natsv1alpha2.ReasonReplicasNotReady
	}
	return c
}

// ReadyOf is the Ready condition of the spec that runs. Until the Helm
// reconciler has deployed the current generation (or while it refuses it),
// Ready keeps speaking of the running one, with its observedGeneration, so
// that kubectl wait --for=condition=Ready after an edit waits for the edit.
func ReadyOf(nc *natsv1alpha2.NatsCluster, sts *appsv1.StatefulSet) natsv1alpha2.Condition {
	ready := Ready(desiredSize(nc), sts)
	ready.ObservedGeneration = nc.Generation
	if Applied(nc) {
		return ready
	}
	if old := Find(nc.Status.Conditions, natsv1alpha2.ConditionReady); old != nil {
		return *old
	}
	if d := Find(nc.Status.Conditions, natsv1alpha2.ConditionDeployed); d != nil {
		ready.ObservedGeneration = d.ObservedGeneration
	}
	return ready
}

// StatefulSetOf reads the StatefulSet of the NatsCluster key, nil when
// there is none.
func StatefulSetOf(ctx context.Context, r client.Reader, key types.NamespacedName) (*appsv1.StatefulSet, error) {
	var sts appsv1.StatefulSet
	err := r.Get(ctx, key, &sts)
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

// Merge puts c into conds by type. LastTransitionTime moves only when the
// status changes. It reports whether anything changed.
func Merge(conds []natsv1alpha2.Condition, c natsv1alpha2.Condition, now metav1.Time) ([]natsv1alpha2.Condition, bool) {
	for i, old := range conds {
		if old.Type != c.Type {
			continue
		}
		c.LastTransitionTime = old.LastTransitionTime
		if old.Status != c.Status || c.LastTransitionTime.IsZero() {
			c.LastTransitionTime = now
		}
		if old == c {
			return conds, false
		}
		out := append([]natsv1alpha2.Condition(nil), conds...)
		out[i] = c
		return out, true
	}
	c.LastTransitionTime = now
	return append(append([]natsv1alpha2.Condition(nil), conds...), c), true
}

// Field managers of the Go controllers' condition writes. Each owns its
// condition types in NatsCluster.status.conditions (a map list keyed by
// type) and nothing else, so no writer replaces another's.
const (
	ReadyFieldManager = "nats-operator-ready"
	AuthFieldManager  = "nats-operator-auth"
)

// SetCondition writes one condition type on a NatsCluster by server-side
// apply of that condition alone, as fieldManager. An apply carries no
// resourceVersion, so it never conflicts with the Helm reconciler's or the
// other controllers' writes, and it touches no other condition. The
// cached object only tells whether anything changes and since when.
func SetCondition(ctx context.Context, c client.Client, fieldManager string, key types.NamespacedName, cond natsv1alpha2.Condition) error {
	var nc natsv1alpha2.NatsCluster
	if err := c.Get(ctx, key, &nc); err != nil {
		return client.IgnoreNotFound(err)
	}
	conds, changed := Merge(nc.Status.Conditions, cond, metav1.Now())
	if !changed {
		return nil
	}
	return apply(ctx, c, fieldManager, key, *Find(conds, cond.Type), "")
}

// SetReady writes the Ready condition and the state derived from it and
// the other writers' conditions, as the Ready controller: the state has
// this one writer.
func SetReady(ctx context.Context, c client.Client, key types.NamespacedName, ready natsv1alpha2.Condition) error {
	var nc natsv1alpha2.NatsCluster
	if err := c.Get(ctx, key, &nc); err != nil {
		return client.IgnoreNotFound(err)
	}
	conds, changed := Merge(nc.Status.Conditions, ready, metav1.Now())
	state := State(conds)
	if !changed && state == nc.Status.State {
		return nil
	}
	return apply(ctx, c, ReadyFieldManager, key, *Find(conds, ready.Type), state)
}

// apply applies one condition, and the state when not empty, as
// fieldManager.
func apply(ctx context.Context, c client.Client, fieldManager string, key types.NamespacedName, cond natsv1alpha2.Condition, state natsv1alpha2.ClusterState) error {
	u, err := conditionApply(key, cond)
	if err != nil {
		return err
	}
	if state != "" {
		if err := unstructured.SetNestedField(u.Object, string(state), "status", "state"); err != nil {
			return err
		}
	}
	err = c.Status().Patch(ctx, u, client.Apply, client.FieldOwner(fieldManager), client.ForceOwnership)
	return client.IgnoreNotFound(err)
}

// conditionApply is the apply configuration of one condition of a
// NatsCluster's status.
func conditionApply(key types.NamespacedName, cond natsv1alpha2.Condition) (*unstructured.Unstructured, error) {
	c, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&cond)
	if err != nil {
		return nil, fmt.Errorf("condition %s: %w", cond.Type, err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"status": map[string]any{"conditions": []any{c}}}}
	u.SetGroupVersionKind(natsv1alpha2.NatsClusterGVK)
	u.SetNamespace(key.Namespace)
	u.SetName(key.Name)
	return u, nil
}

// Find returns the condition of type t in conds, or nil.
func Find(conds []natsv1alpha2.Condition, t string) *natsv1alpha2.Condition {
	for i := range conds {
		if conds[i].Type == t {
			return &conds[i]
		}
	}
	return nil
}

// Package status holds the condition logic of the Go controllers. Conditions
// are pure functions of observed objects; one helper writes them. Only
// condition types are written, because the Helm reconciler rewrites the
// rest of NatsCluster.status.
package status

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
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
	if ready == desired && current {
		c.Status, c.Reason = metav1.ConditionTrue, natsv1alpha2.ReasonAllReplicasReady
	} else {
		c.Status, c.Reason = metav1.ConditionFalse, natsv1alpha2.ReasonReplicasNotReady
	}
	return c
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

// SetCondition writes one condition type on a NatsCluster. It re-reads the
// object and patches with optimistic locking, so a concurrent status write
// by the Helm reconciler is never overwritten; a conflict is retried.
func SetCondition(ctx context.Context, c client.Client, key types.NamespacedName, cond natsv1alpha2.Condition) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		var nc natsv1alpha2.NatsCluster
		if err := c.Get(ctx, key, &nc); err != nil {
			return client.IgnoreNotFound(err)
		}
		conds, changed := Merge(nc.Status.Conditions, cond, metav1.Now())
		if !changed {
			return nil
		}
		patch := client.MergeFromWithOptions(nc.DeepCopy(), client.MergeFromWithOptimisticLock{})
		nc.Status.Conditions = conds
		return c.Status().Patch(ctx, &nc, patch)
	})
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

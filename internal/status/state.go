package status

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// State is the one-word summary of a NatsCluster's conditions, its STATUS
// column. What the user must act on wins over what only takes time: a
// refused change is Refused even while the previous release runs fine.
func State(conds []natsv1alpha2.Condition) natsv1alpha2.ClusterState {
	is := func(t string, s metav1.ConditionStatus) bool {
		c := Find(conds, t)
		return c != nil && c.Status == s
	}
	switch {
	case is(natsv1alpha2.ConditionPaused, metav1.ConditionTrue):
		return natsv1alpha2.StatePaused
	case is(natsv1alpha2.ConditionReleaseFailed, metav1.ConditionTrue), is(natsv1alpha2.ConditionIrreconcilable, metav1.ConditionTrue):
		return natsv1alpha2.StateRefused
	case is(natsv1alpha2.ConditionAuthReady, metav1.ConditionFalse):
		return natsv1alpha2.StateAuthError
	case !is(natsv1alpha2.ConditionDeployed, metav1.ConditionTrue):
		return natsv1alpha2.StatePending
	case is(natsv1alpha2.ConditionReady, metav1.ConditionTrue):
		return natsv1alpha2.StateReady
	}
	ready := Find(conds, natsv1alpha2.ConditionReady)
	switch {
	case ready == nil || ready.Reason == natsv1alpha2.ReasonStatefulSetMissing:
		return natsv1alpha2.StatePending
	case ready.Reason == natsv1alpha2.ReasonRollingOut:
		return natsv1alpha2.StateProgressing
	default:
		return natsv1alpha2.StateDegraded
	}
}

// HelmConditionTypes are the conditions the Helm reconciler owns; the Go
// controllers never write them.
var HelmConditionTypes = map[string]bool{
	natsv1alpha2.ConditionDeployed:       true,
	natsv1alpha2.ConditionReleaseFailed:  true,
	natsv1alpha2.ConditionIrreconcilable: true,
	natsv1alpha2.ConditionPaused:         true,
	"Initialized":                        true,
}

// HelmHeldBack tells whether the Helm reconciler did not apply the current
// spec: it refused it (ReleaseFailed, Irreconcilable) or is paused.
func HelmHeldBack(conds []natsv1alpha2.Condition) bool {
	for _, t := range []string{natsv1alpha2.ConditionReleaseFailed, natsv1alpha2.ConditionIrreconcilable, natsv1alpha2.ConditionPaused} {
		if c := Find(conds, t); c != nil && c.Status == metav1.ConditionTrue {
			return true
		}
	}
	return false
}

// Applied tells whether the running release was made from the NatsCluster's
// current spec (Deployed's observedGeneration).
func Applied(nc *natsv1alpha2.NatsCluster) bool {
	d := Find(nc.Status.Conditions, natsv1alpha2.ConditionDeployed)
	return d != nil && d.Status == metav1.ConditionTrue && d.ObservedGeneration == nc.Generation
}

// HelmReported tells whether the Helm reconciler has written its status:
// until then there is no state to tell (the first install is running), and
// its write is the next change anyway.
func HelmReported(conds []natsv1alpha2.Condition) bool {
	for _, c := range conds {
		if HelmConditionTypes[c.Type] {
			return true
		}
	}
	return false
}

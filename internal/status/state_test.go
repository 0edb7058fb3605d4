package status

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

func TestState(t *testing.T) {
	c := func(typ string, s metav1.ConditionStatus, reason string) natsv1alpha2.Condition {
		return natsv1alpha2.Condition{Type: typ, Status: s, Reason: reason}
	}
	const (
		yes = metav1.ConditionTrue
		no  = metav1.ConditionFalse
	)
	deployed := c(natsv1alpha2.ConditionDeployed, yes, "")
	tests := []struct {
		name  string
		conds []natsv1alpha2.Condition
		want  natsv1alpha2.ClusterState
	}{
		{"nothing yet", nil, natsv1alpha2.StatePending},
		{"installed, no StatefulSet seen", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionReady, no, natsv1alpha2.ReasonStatefulSetMissing)}, natsv1alpha2.StatePending},
		{"all ready", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionReady, yes, natsv1alpha2.ReasonAllReplicasReady)}, natsv1alpha2.StateReady},
		{"rolling out", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionReady, no, natsv1alpha2.ReasonRollingOut)}, natsv1alpha2.StateProgressing},
		{"servers down", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionReady, no, natsv1alpha2.ReasonReplicasNotReady)}, natsv1alpha2.StateDegraded},
		{"refused upgrade, old release ready", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionReady, yes, ""), c(natsv1alpha2.ConditionReleaseFailed, yes, "UpgradeError")}, natsv1alpha2.StateRefused},
		{"refused dry-run", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionIrreconcilable, yes, "ErrorGettingReleaseState")}, natsv1alpha2.StateRefused},
		{"auth error", []natsv1alpha2.Condition{deployed, c(natsv1alpha2.ConditionReady, yes, ""), c(natsv1alpha2.ConditionAuthReady, no, natsv1alpha2.ReasonAuthSecretInvalid)}, natsv1alpha2.StateAuthError},
		{"paused wins", []natsv1alpha2.Condition{c(natsv1alpha2.ConditionPaused, yes, ""), c(natsv1alpha2.ConditionReleaseFailed, yes, "")}, natsv1alpha2.StatePaused},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := State(tt.conds); got != tt.want {
				t.Errorf("State = %s, want %s", got, tt.want)
			}
		})
	}
}

package operator

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

func TestMergeHelmStatusKeepsOtherControllersConditions(t *testing.T) {
	current := natsv1alpha2.ClusterStatus{Conditions: []natsv1alpha2.Condition{
		{Type: natsv1alpha2.ConditionReady, Status: metav1.ConditionFalse, Message: "0/3"},
		{Type: natsv1alpha2.ConditionDeployed, Status: metav1.ConditionTrue},
		{Type: natsv1alpha2.ConditionAuthReady, Status: metav1.ConditionTrue},
	}}
	// The Helm reconciler's view, read before Ready and AuthReady changed.
	helm := natsv1alpha2.ClusterStatus{
		Conditions: []natsv1alpha2.Condition{
			{Type: natsv1alpha2.ConditionReady, Status: metav1.ConditionUnknown},
			{Type: natsv1alpha2.ConditionDeployed, Status: metav1.ConditionFalse},
			{Type: natsv1alpha2.ConditionReleaseFailed, Status: metav1.ConditionTrue, Message: "refused"},
		},
		DeployedRelease: &natsv1alpha2.DeployedRelease{Name: "nats"},
	}
	got := mergeHelmStatus(current, helm)
	want := map[string]metav1.ConditionStatus{
		natsv1alpha2.ConditionReady:         metav1.ConditionFalse, // the Ready controller's, not the stale copy
		natsv1alpha2.ConditionAuthReady:     metav1.ConditionTrue,
		natsv1alpha2.ConditionDeployed:      metav1.ConditionFalse,
		natsv1alpha2.ConditionReleaseFailed: metav1.ConditionTrue,
	}
	if len(got.Conditions) != len(want) {
		t.Fatalf("conditions %+v, want %v", got.Conditions, want)
	}
	for _, c := range got.Conditions {
		if want[c.Type] != c.Status {
			t.Errorf("%s = %s, want %s", c.Type, c.Status, want[c.Type])
		}
	}
	if got.DeployedRelease == nil || got.DeployedRelease.Name != "nats" {
		t.Errorf("deployedRelease %+v, want the Helm reconciler's", got.DeployedRelease)
	}
}

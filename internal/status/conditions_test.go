package status

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

func TestReady(t *testing.T) {
	sts := func(gen, observed int64, replicas, ready, updated int32) *appsv1.StatefulSet {
		s := &appsv1.StatefulSet{Status: appsv1.StatefulSetStatus{ObservedGeneration: observed, Replicas: replicas, ReadyReplicas: ready, UpdatedReplicas: updated}}
		s.Generation = gen
		return s
	}
	tests := []struct {
		name    string
		desired int32
		sts     *appsv1.StatefulSet
		status  metav1.ConditionStatus
		reason  string
		message string
	}{
		{"no StatefulSet yet", 3, nil, metav1.ConditionFalse, natsv1alpha2.ReasonStatefulSetMissing, "0/3"},
		{"all ready", 3, sts(2, 2, 3, 3, 3), metav1.ConditionTrue, natsv1alpha2.ReasonAllReplicasReady, "3/3"},
		{"one not ready", 3, sts(2, 2, 3, 2, 3), metav1.ConditionFalse, natsv1alpha2.ReasonReplicasNotReady, "2/3"},
		{"rollout in progress", 3, sts(2, 2, 3, 3, 1), metav1.ConditionFalse, natsv1alpha2.ReasonRollingOut, "3/3"},
		{"spec not yet observed", 3, sts(3, 2, 3, 3, 3), metav1.ConditionFalse, natsv1alpha2.ReasonRollingOut, "3/3"},
		{"scaled to zero", 0, sts(1, 1, 0, 0, 0), metav1.ConditionTrue, natsv1alpha2.ReasonAllReplicasReady, "0/0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Ready(tt.desired, tt.sts)
			if c.Type != natsv1alpha2.ConditionReady || c.Status != tt.status || c.Reason != tt.reason || c.Message != tt.message {
				t.Errorf("Ready = %+v, want %s %s %q", c, tt.status, tt.reason, tt.message)
			}
		})
	}
}

// ReadyOf speaks of the spec that runs: of the StatefulSet once the
// current generation is deployed, else the Ready of the running release.
func TestReadyOf(t *testing.T) {
	ready := &appsv1.StatefulSet{Status: appsv1.StatefulSetStatus{Replicas: 3, ReadyReplicas: 3, UpdatedReplicas: 3}}
	deployed := func(gen int64) natsv1alpha2.Condition {
		return natsv1alpha2.Condition{Type: natsv1alpha2.ConditionDeployed, Status: metav1.ConditionTrue, ObservedGeneration: gen}
	}
	oldReady := natsv1alpha2.Condition{Type: natsv1alpha2.ConditionReady, Status: metav1.ConditionTrue, Reason: natsv1alpha2.ReasonAllReplicasReady, Message: "3/3", ObservedGeneration: 1}
	cluster := func(gen int64, conds ...natsv1alpha2.Condition) *natsv1alpha2.NatsCluster {
		nc := &natsv1alpha2.NatsCluster{}
		nc.Generation = gen
		size := int32(3)
		nc.Spec.Size = &size
		nc.Status.Conditions = conds
		return nc
	}
	tests := []struct {
		name     string
		nc       *natsv1alpha2.NatsCluster
		status   metav1.ConditionStatus
		message  string
		observed int64
	}{
		{"current generation deployed", cluster(2, deployed(2)), metav1.ConditionTrue, "3/3", 2},
		{"edit not yet deployed keeps the running Ready", cluster(2, deployed(1), oldReady), metav1.ConditionTrue, "3/3", 1},
		{"first Ready of an older deployment", cluster(2, deployed(1)), metav1.ConditionTrue, "3/3", 1},
		{"nothing deployed yet: the current spec", func() *natsv1alpha2.NatsCluster {
			nc := cluster(2)
			size := int32(5)
			nc.Spec.Size = &size
			return nc
		}(), metav1.ConditionFalse, "3/5", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ReadyOf(tt.nc, ready)
			if c.Status != tt.status || c.Message != tt.message || c.ObservedGeneration != tt.observed {
				t.Errorf("ReadyOf = %+v, want %s %q observedGeneration %d", c, tt.status, tt.message, tt.observed)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := metav1.NewTime(t0.Add(time.Hour))
	deployed := natsv1alpha2.Condition{Type: "Deployed", Status: metav1.ConditionTrue, LastTransitionTime: t0}
	readyFalse := natsv1alpha2.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "ReplicasNotReady", Message: "0/3", LastTransitionTime: t0}
	tests := []struct {
		name        string
		in          []natsv1alpha2.Condition
		set         natsv1alpha2.Condition
		wantChanged bool
		wantTime    metav1.Time
		wantLen     int
	}{
		{"new type is appended, stamped now", []natsv1alpha2.Condition{deployed}, natsv1alpha2.Condition{Type: "Ready", Status: metav1.ConditionFalse}, true, t1, 2},
		{"same status and message: no write", []natsv1alpha2.Condition{deployed, readyFalse}, natsv1alpha2.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "ReplicasNotReady", Message: "0/3"}, false, t0, 2},
		{"message change keeps the transition time", []natsv1alpha2.Condition{deployed, readyFalse}, natsv1alpha2.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "ReplicasNotReady", Message: "1/3"}, true, t0, 2},
		{"status flip moves the transition time", []natsv1alpha2.Condition{deployed, readyFalse}, natsv1alpha2.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "AllReplicasReady", Message: "3/3"}, true, t1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]natsv1alpha2.Condition(nil), tt.in...)
			out, changed := Merge(in, tt.set, t1)
			if changed != tt.wantChanged || len(out) != tt.wantLen {
				t.Fatalf("changed=%v len=%d, want %v %d", changed, len(out), tt.wantChanged, tt.wantLen)
			}
			var got *natsv1alpha2.Condition
			for i := range out {
				if out[i].Type == tt.set.Type {
					got = &out[i]
				}
			}
			if got == nil || !got.LastTransitionTime.Equal(&tt.wantTime) {
				t.Errorf("condition %+v, want transition time %s", got, tt.wantTime)
			}
			if out[0] != deployed {
				t.Errorf("another writer's condition changed: %+v", out[0])
			}
			if !slices.Equal(in, tt.in) {
				t.Errorf("Merge modified its input")
			}
		})
	}
}

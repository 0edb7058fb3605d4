package scale_test

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// TestNoConflictsInANormalRun: several NatsClusters created at once, then
// resized, are installed, upgraded and reported without a single request
// the API server refuses with 409 and without a conflict in the log: the
// Helm reconciler, Ready and AuthReady each write only their own fields.
func TestNoConflictsInANormalRun(t *testing.T) {
	o := startOperator(t, "no-conflicts")
	ctx := context.Background()
	var clusters []*natsv1alpha2.NatsCluster
	for i := range 6 {
		nc := newCluster(o.ns, fmt.Sprintf("c%d", i))
		if err := cp.Client.Create(ctx, nc); err != nil {
			t.Fatal(err)
		}
		clusters = append(clusters, nc)
	}
	for _, nc := range clusters {
		waitCondition(t, nc, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)
		waitReadyMessage(t, nc, "0/3")
	}
	for _, nc := range clusters {
		var cur natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
			t.Fatal(err)
		}
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Spec.Size = ptr.To[int32](5)
		if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
			t.Fatal(err)
		}
	}
	for _, nc := range clusters {
		waitReadyMessage(t, nc, "0/5")
	}
	waitIdle(t)
	o.assertNoConflicts(t)
}

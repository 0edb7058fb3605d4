package scaletest_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// TestOneHelmReconcilePerChange: creating a NatsCluster and changing its
// size each cost one Helm reconcile. Status writes (the Helm reconciler's
// own, Ready and AuthReady), the uninstall finalizer, the release Secrets
// and the objects the release itself writes queue nothing. No reconcile
// downloads the API server's OpenAPI documents.
func TestOneHelmReconcilePerChange(t *testing.T) {
	o := startOperator(t, "one-reconcile")
	ctx := context.Background()
	before := waitIdle(t)

	nc := newCluster(o.ns, "once")
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, nc, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)
	waitCondition(t, nc, natsv1alpha2.ConditionReady, metav1.ConditionFalse) // no kubelet: 0/3
	created := waitIdle(t)
	if n := created - before; n != 1 {
		t.Errorf("create: %d Helm reconciles, want 1", n)
	}

	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Size = ptr.To[int32](5)
	if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
		t.Fatal(err)
	}
	waitReadyMessage(t, nc, "0/5")
	changed := waitIdle(t)
	if n := changed - created; n != 1 {
		t.Errorf("size 3→5: %d Helm reconciles, want 1", n)
	}
	o.assertNoConflicts(t)
	if n := o.api.openAPIRequests(); n != 0 {
		t.Errorf("%d OpenAPI requests for an install and an upgrade, want 0", n)
	}
}

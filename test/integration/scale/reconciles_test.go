package scale_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
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
	o.api.takeWrites()

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
	// The writes of a create: five objects, Helm's release record (written
	// once, deployed: pendingInMemory), helm-operator-plugins' uninstall
	// finalizer, and one status write: the Helm reconciler's, which carries
	// Ready and the state too (helmStatusWriter.addReady).
	var statusWrites, writes []string
	for _, w := range o.api.takeWrites() {
		switch {
		case strings.Contains(w, "/events"):
		case strings.HasSuffix(w, "/natsclusters/"+nc.Name+"/status"):
			statusWrites = append(statusWrites, w)
			writes = append(writes, w)
		default:
			writes = append(writes, w)
		}
	}
	if len(statusWrites) != 1 || len(writes) != 8 {
		t.Errorf("create: %d writes, %d of them to the status; want 8 and 1:\n%s", len(writes), len(statusWrites), strings.Join(writes, "\n"))
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
	// The budget does not change with the size: Helm's upgrade would patch
	// it with a patch that changes nothing (quietKubeClient). The release
	// history takes two writes: revision 1 superseded, revision 2 written
	// once, deployed (pendingInMemory).
	var releaseWrites []string
	for _, w := range o.api.takeWrites() {
		if strings.Contains(w, "/poddisruptionbudgets/") {
			t.Errorf("size 3→5 wrote the unchanged PodDisruptionBudget: %s", w)
		}
		if strings.Contains(w, "/secrets") {
			releaseWrites = append(releaseWrites, w)
		}
	}
	if len(releaseWrites) != 2 {
		t.Errorf("size 3→5: %d release record writes, want 2:\n%s", len(releaseWrites), strings.Join(releaseWrites, "\n"))
	}

	// A change to the budget is still applied by the upgrade.
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	patch = client.MergeFrom(cur.DeepCopy())
	cur.Spec.ChartValues = &apiextensionsv1.JSON{Raw: []byte(`{"podDisruptionBudget": {"maxUnavailable": 2}}`)}
	if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var pdb policyv1.PodDisruptionBudget
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &pdb); err != nil {
			return err
		}
		if got := pdb.Spec.MaxUnavailable.String(); got != "2" {
			return fmt.Errorf("maxUnavailable %s, want 2", got)
		}
		return nil
	})
	o.assertNoConflicts(t)
	if n := o.api.openAPIRequests(); n != 0 {
		t.Errorf("%d OpenAPI requests for an install and an upgrade, want 0", n)
	}
}

// TestUnchangedReconcileWritesNothing: a reconcile that finds the release
// as rendered (here after an annotation, which the Helm reconciler looks
// at) writes nothing, not even a patch that changes nothing: the
// PodDisruptionBudget's drift-repair patch is never empty (spec.selector has
// the patch strategy "replace"), so it is left out while the live budget
// holds what the release sets (driftRepair). A budget edited by hand is
// still repaired.
func TestUnchangedReconcileWritesNothing(t *testing.T) {
	o := startOperator(t, "no-op")
	ctx := context.Background()
	nc := newCluster(o.ns, "noop")
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, nc, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)
	waitReadyMessage(t, nc, "0/3")
	before := waitIdle(t)
	o.api.takeWrites()
	var pdb policyv1.PodDisruptionBudget
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &pdb); err != nil {
		t.Fatal(err)
	}

	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Annotations = map[string]string{"example.com/note": "touched"}
	if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
		t.Fatal(err)
	}
	if n := waitIdle(t) - before; n != 1 {
		t.Errorf("annotation: %d Helm reconciles, want 1", n)
	}
	for _, w := range o.api.takeWrites() {
		t.Errorf("an unchanged reconcile wrote: %s", w)
	}
	var after policyv1.PodDisruptionBudget
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &after); err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != pdb.ResourceVersion {
		t.Errorf("the PodDisruptionBudget changed: resourceVersion %s → %s", pdb.ResourceVersion, after.ResourceVersion)
	}

	edited := after.DeepCopy()
	edited.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(2))
	if err := cp.Client.Update(ctx, edited); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var repaired policyv1.PodDisruptionBudget
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &repaired); err != nil {
			return err
		}
		if got := repaired.Spec.MaxUnavailable.String(); got != after.Spec.MaxUnavailable.String() {
			return fmt.Errorf("maxUnavailable is still the hand-edited %s", got)
		}
		return nil
	})
}

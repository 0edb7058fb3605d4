//go:build e2e

package olm

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestAllNamespaces: an OperatorGroup without targetNamespaces installs the
// channel's head for every namespace; the operator OLM deployed runs a
// NatsCluster in another namespace, from the images of the CSV's
// RELATED_IMAGE_* variables, and OLM uninstalls it.
func TestAllNamespaces(t *testing.T) {
	in := subscribe(t, "e2e-olm-all", "", catalog(t, catalogName, env.catalogAddress), "")
	in.installPlan(env.nextCSV)
	csv := in.succeeded(env.nextCSV)
	related := in.operatorPod(csv, env.nextImage)

	apps := "e2e-olm-apps"
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: apps}})
	t.Cleanup(func() { deleteAndWait(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: apps}}) })
	if !in.canCreateStatefulSets(apps) {
		t.Errorf("the AllNamespaces operator may not create StatefulSets in %s", apps)
	}
	c := createCluster(t, apps, "olm-all", 3)
	pods := c.ready(3)
	requireImages(t, pods, operands(t, related))
	requireMesh(t, pods)

	in.uninstall(c)
}

// TestOwnNamespace: an OperatorGroup targeting its own namespace; the
// operator watches that namespace only, with RBAC there only.
func TestOwnNamespace(t *testing.T) {
	ns := "e2e-olm-own"
	requireTargetedInstall(t, ns, ns, "olm-own")
}

// TestSingleNamespace: an OperatorGroup targeting another namespace than
// its own; the operator runs in its namespace and watches, with RBAC, the
// target only.
func TestSingleNamespace(t *testing.T) {
	ns, apps := "e2e-olm-single", "e2e-olm-single-apps"
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: apps}})
	t.Cleanup(func() { deleteAndWait(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: apps}}) })
	requireTargetedInstall(t, ns, apps, "olm-single")
}

// requireTargetedInstall installs the operator with an OperatorGroup in ns
// targeting target: the CSV succeeds, the operator may create StatefulSets
// in target and not in default, a NatsCluster named cluster meshes in
// target from the CSV's images, and the uninstall leaves nothing.
func requireTargetedInstall(t *testing.T, ns, target, cluster string) {
	t.Helper()
	in := subscribe(t, ns, target, catalog(t, catalogName, env.catalogAddress), "")
	in.installPlan(env.nextCSV)
	csv := in.succeeded(env.nextCSV)
	related := in.operatorPod(csv, env.nextImage)

	if !in.canCreateStatefulSets(target) {
		t.Errorf("the %s operator may not create StatefulSets in its target namespace %s", in.mode(), target)
	}
	if in.canCreateStatefulSets("default") {
		t.Errorf("the %s operator may create StatefulSets in namespace default", in.mode())
	}
	c := createCluster(t, target, cluster, 3)
	pods := c.ready(3)
	requireImages(t, pods, operands(t, related))
	requireMesh(t, pods)

	in.uninstall(c)
}

// TestUpgrade: a Subscription with startingCSV 0.1.0 and Automatic approval
// to a catalog that holds only 0.1.0 (as before 0.2.0 was released); a
// NatsCluster runs. Then the CatalogSource points at the catalog with 0.2.0
// (0.2.0 published, replacing 0.1.0 in the channel) and OLM upgrades on its
// own. The servers keep running through the upgrade, and the new operator
// reconciles the next edit.
func TestUpgrade(t *testing.T) {
	ns := "e2e-olm-upgrade"
	source := catalog(t, "nats-catalog-upgrade", env.previousCatalogAddress)
	t.Cleanup(func() { deleteAndWait(t, source) })
	in := subscribe(t, ns, "", source, env.firstCSV)
	in.installPlan(env.firstCSV)
	first := in.succeeded(env.firstCSV)
	in.operatorPod(first, env.firstImage)
	eventually(t, olmTimeout, "subscription at the latest version it knows", func() error {
		var sub operatorsv1alpha1.Subscription
		if err := get(&sub, ns, subscriptionName); err != nil {
			return err
		}
		if sub.Status.State != operatorsv1alpha1.SubscriptionStateAtLatest {
			return fmt.Errorf("state %q", sub.Status.State)
		}
		return nil
	})
	t.Logf("subscription %s: %s with %s", subscriptionName, operatorsv1alpha1.SubscriptionStateAtLatest, env.firstCSV)

	c := createCluster(t, ns, "olm-upgrade", 2)
	before := c.ready(2)
	requireMesh(t, before)

	// 0.2.0 is published: OLM finds it in the channel and upgrades.
	patch := client.MergeFrom(source.DeepCopy())
	source.Spec.Address = env.catalogAddress
	if err := kc.Patch(context.Background(), source, patch); err != nil {
		t.Fatalf("point CatalogSource %s at the latest catalog: %v", source.Name, err)
	}
	connected(t, source, env.catalogAddress)
	t.Logf("CatalogSource %s now serves the catalog with %s", source.Name, env.nextCSV)
	in.installPlan(env.nextCSV)
	next := in.succeeded(env.nextCSV)
	if next.Spec.Replaces != env.firstCSV {
		t.Errorf("CSV %s replaces %q, want %s", next.Name, next.Spec.Replaces, env.firstCSV)
	}
	related := in.operatorPod(next, env.nextImage)
	eventually(t, olmTimeout, "CSV "+env.firstCSV+" removed after the upgrade", func() error {
		err := get(&operatorsv1alpha1.ClusterServiceVersion{}, ns, env.firstCSV)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return errors.New("still there")
	})
	t.Logf("CSV %s replaces %s, which OLM removed", next.Name, env.firstCSV)

	// The servers of 0.1.0 still run: same pods, not restarted.
	after := c.ready(2)
	requireSamePods(t, before, after)
	requireMesh(t, after)

	// The new operator reconciles an edit.
	c.resize(3)
	pods := c.ready(3)
	requireImages(t, pods, operands(t, related))
	requireMesh(t, pods)
	requireSamePods(t, before, pods)

	in.uninstall(c)
}

// requireSamePods: every pod of before is in after, the same object (UID)
// with no container restarted since.
func requireSamePods(t *testing.T, before, after []corev1.Pod) {
	t.Helper()
	now := map[string]corev1.Pod{}
	for _, p := range after {
		now[p.Name] = p
	}
	for _, p := range before {
		q, ok := now[p.Name]
		switch {
		case !ok:
			t.Errorf("pod %s is gone (pods now: %v)", p.Name, slices.Sorted(maps.Keys(now)))
		case q.UID != p.UID:
			t.Errorf("pod %s was replaced", p.Name)
		default:
			if r0, r1 := restarts(p), restarts(q); r1 != r0 {
				t.Errorf("pod %s: containers restarted %d times since, %d before", p.Name, r1-r0, r0)
			}
		}
	}
	if !t.Failed() {
		t.Logf("the %d servers from before the upgrade kept running: same pods, no restarts", len(before))
	}
}

func restarts(p corev1.Pod) int32 {
	var n int32
	for _, st := range p.Status.ContainerStatuses {
		n += st.RestartCount
	}
	return n
}

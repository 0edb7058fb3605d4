// Package overrides_test runs the operator with a watches.yaml that sets
// overrideValues, as an administrator (or OLM, through RELATED_IMAGE_*)
// would, in a process of its own: overrides apply to every NatsCluster.
package overrides_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

// runOperatorWithOverrides runs the operator until the test ends with a
// watches.yaml that maps NatsCluster to the repository's chart with the
// overrideValues entries given (indented YAML lines).
func runOperatorWithOverrides(t *testing.T, overrideValues string) {
	t.Helper()
	watches := fmt.Sprintf(`
- group: nats.io
  version: v1alpha2
  kind: NatsCluster
  chart: %s
  overrideValues:%s
`, filepath.Join(testutil.RepoRoot(), "helm-charts", "nats-cluster"), overrideValues)
	path := filepath.Join(t.TempDir(), "watches.yaml")
	if err := os.WriteFile(path, []byte(watches), 0o600); err != nil {
		t.Fatal(err)
	}
	stop, err := cp.RunOperatorWithWatches(operator.Options{}, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("operator: %v", err)
		}
	})
}

// TestOverrideValuesReachEveryCluster: overrideValues from watches.yaml,
// environment-expanded, land in the chart values of each NatsCluster, on
// top of what its spec says.
func TestOverrideValuesReachEveryCluster(t *testing.T) {
	testutil.Integration(t)
	t.Setenv("NATS_TEAM", "messaging")
	runOperatorWithOverrides(t, `
    chartValues.pod.labels.team: $NATS_TEAM
    chartValues.podDisruptionBudget.enabled: "false"`)

	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace = "overridden", cp.Namespace(t, "overrides")
	nc.Spec.Size = ptr.To[int32](3)
	nc.Spec.Pod = &natsv1alpha2.PodPolicy{Labels: map[string]string{"team": "from-spec", "tier": "backend"}}
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 30*time.Second, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		labels := sts.Spec.Template.Labels
		if labels["team"] != "messaging" || labels["tier"] != "backend" {
			return fmt.Errorf("pod labels %v: want the override's team and the spec's tier", labels)
		}
		return nil
	})
	// The StatefulSet exists, so the release is installed: it has no PDB.
	err := cp.Client.Get(context.Background(), client.ObjectKeyFromObject(nc), &policyv1.PodDisruptionBudget{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("PodDisruptionBudget: err = %v, want NotFound (disabled by an override)", err)
	}

	// An upgrade, then: the administrator's overrides are no Warning to the
	// cluster's owner, neither at install nor at upgrade.
	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(context.Background(), client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Size = ptr.To[int32](4)
	if err := cp.Client.Patch(context.Background(), &cur, patch); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 30*time.Second, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		if r := ptr.Deref(sts.Spec.Replicas, 0); r != 4 {
			return fmt.Errorf("replicas %d, want 4", r)
		}
		return nil
	})
	var events corev1.EventList
	if err := cp.Client.List(context.Background(), &events, client.InNamespace(nc.Namespace)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		// Only the operator's: the API server's own repair loops report
		// on Services now and then (ClusterIPNotAllocated).
		if e.Type == corev1.EventTypeWarning && e.InvolvedObject.Kind == "NatsCluster" {
			t.Errorf("Warning Event %s: %s", e.Reason, e.Message)
		}
	}
}

package installmodes_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

// No shared operator: each test starts the operators whose scope it tests.
func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

const timeout = 60 * time.Second

func createCluster(t *testing.T, ns, name string) *natsv1alpha2.NatsCluster {
	t.Helper()
	nc := testutil.SampleCluster(t, ns)
	nc.Name = name
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	return nc
}

// waitReconciled waits for the Helm release to be deployed: Deployed=True
// and the StatefulSet in place.
func waitReconciled(t *testing.T, nc *natsv1alpha2.NatsCluster) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var got natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &got); err != nil {
			return err
		}
		deployed := false
		for _, c := range got.Status.Conditions {
			deployed = deployed || (c.Type == natsv1alpha2.ConditionDeployed && c.Status == metav1.ConditionTrue)
		}
		if !deployed {
			return fmt.Errorf("%s/%s not Deployed: %+v", nc.Namespace, nc.Name, got.Status.Conditions)
		}
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &appsv1.StatefulSet{})
	})
}

// untouched reports how the operator touched nc since resourceVersion rv:
// any write to the CR (finalizer, status), its StatefulSet or a release
// Secret.
func untouched(ctx context.Context, nc *natsv1alpha2.NatsCluster, rv string) error {
	var got natsv1alpha2.NatsCluster
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &got); err != nil {
		return err
	}
	switch {
	case got.ResourceVersion != rv:
		return fmt.Errorf("%s/%s was written: resourceVersion %s → %s, finalizers %v, status %+v",
			nc.Namespace, nc.Name, rv, got.ResourceVersion, got.Finalizers, got.Status)
	case len(got.Finalizers) > 0 || len(got.Status.Conditions) > 0 || got.Status.DeployedRelease != nil:
		return fmt.Errorf("%s/%s has finalizers %v, status %+v", nc.Namespace, nc.Name, got.Finalizers, got.Status)
	}
	err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &appsv1.StatefulSet{})
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("StatefulSet %s/%s: want NotFound, got %v", nc.Namespace, nc.Name, err)
	}
	var secrets corev1.SecretList
	if err := cp.Client.List(ctx, &secrets, client.InNamespace(nc.Namespace), client.MatchingLabels{"owner": "helm"}); err != nil {
		return err
	}
	if len(secrets.Items) > 0 {
		return fmt.Errorf("release Secret %s/%s exists", nc.Namespace, secrets.Items[0].Name)
	}
	return nil
}

// consistently fails the test if cond fails at any poll during d. Each poll
// gets its own context, longer than the window: a poll that starts near the
// end of the window must not fail because the client's rate limiter would
// wait past the window's deadline.
func consistently(t *testing.T, d time.Duration, cond func(ctx context.Context) error) {
	t.Helper()
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := cond(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestNamespaceScopedOperatorIgnoresOtherNamespaces: an operator watching
// nsA reconciles NatsClusters there, including one created later, while a
// NatsCluster that sat in nsB the whole time is never written to. A second
// operator scoped to nsB then reconciles it, so it was ignored for its
// namespace and not for being unreconcilable.
func TestNamespaceScopedOperatorIgnoresOtherNamespaces(t *testing.T) {
	testutil.Integration(t)
	nsA, nsB := cp.Namespace(t, "watched"), cp.Namespace(t, "other")
	ignored := createCluster(t, nsB, "ignored")
	rv := ignored.ResourceVersion

	cp.StartOperator(t, operator.Options{WatchNamespaces: []string{nsA}})
	waitReconciled(t, createCluster(t, nsA, "first"))
	waitReconciled(t, createCluster(t, nsA, "second"))

	consistently(t, 3*time.Second, func(ctx context.Context) error { return untouched(ctx, ignored, rv) })

	cp.StartOperator(t, operator.Options{WatchNamespaces: []string{nsB}})
	waitReconciled(t, ignored)
}

// TestClusterScopedOperatorReconcilesEveryNamespace: with WATCH_NAMESPACE
// empty (OLM AllNamespaces, config/cluster-scoped), and with nats-operator's
// --feature-gates=ClusterScoped=true, which wins over a WATCH_NAMESPACE
// naming one namespace, the operator reconciles NatsClusters in two
// namespaces.
func TestClusterScopedOperatorReconcilesEveryNamespace(t *testing.T) {
	testutil.Integration(t)
	tests := []struct {
		name         string
		watchEnv     func(nsA string) string
		featureGates string
	}{
		{name: "WATCH_NAMESPACE empty", watchEnv: func(string) string { return "" }},
		{name: "ClusterScoped gate over WATCH_NAMESPACE", watchEnv: func(nsA string) string { return nsA }, featureGates: "ClusterScoped=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nsA, nsB := cp.Namespace(t, "all-a"), cp.Namespace(t, "all-b")
			a, b := createCluster(t, nsA, "a"), createCluster(t, nsB, "b")

			gates, err := cli.ParseFeatureGates(tt.featureGates)
			if err != nil {
				t.Fatal(err)
			}
			watch := cli.WatchNamespaces(tt.watchEnv(nsA), gates)
			if watch != nil {
				t.Fatalf("WatchNamespaces = %v, want all namespaces", watch)
			}
			cp.StartOperator(t, operator.Options{WatchNamespaces: watch})
			waitReconciled(t, a)
			waitReconciled(t, b)
		})
	}
}

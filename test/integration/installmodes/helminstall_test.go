package installmodes_test

import (
	"context"
	"path/filepath"
	"testing"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestOperatorChartWithAWatchedNamespaceThatDoesNotExistYet installs the
// operator chart with Helm's own install action on the real API server,
// watching an existing namespace and one that does not exist yet: the
// install succeeds (the release creates the namespace, so that the Role can
// be granted there), an upgrade and an uninstall keep the namespace, and
// the operator, running with exactly the chart's RBAC, reconciles a
// NatsCluster in it.
func TestOperatorChartWithAWatchedNamespaceThatDoesNotExistYet(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	releaseNS, existing := cp.Namespace(t, "chart"), cp.Namespace(t, "chart-team")
	missing := "chart-later-" + rand.String(5)
	ch, err := loader.Load(filepath.Join(testutil.RepoRoot(), "helm-charts", "nats-operator"))
	if err != nil {
		t.Fatal(err)
	}
	vals := map[string]any{"clusterScoped": false, "watchNamespaces": []any{existing, missing}, "leaderElection": map[string]any{"enabled": false}}
	cfg := helmConfig(t, releaseNS)

	install := action.NewInstall(cfg)
	install.ReleaseName, install.Namespace, install.SkipCRDs = "nats-operator", releaseNS, true
	if _, err := install.Run(ch, vals); err != nil {
		t.Fatalf("helm install with watchNamespaces [%s %s]: %v", existing, missing, err)
	}
	requireKept(ctx, t, missing)
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: missing, Name: "nats-operator-manager"}, &rbacv1.Role{}); err != nil {
		t.Errorf("the operator's Role in %s: %v", missing, err)
	}
	upgrade := action.NewUpgrade(cfg)
	upgrade.Namespace, upgrade.SkipCRDs = releaseNS, true
	if _, err := upgrade.Run("nats-operator", ch, vals); err != nil {
		t.Fatalf("helm upgrade: %v", err)
	}
	requireKept(ctx, t, missing)

	stop := runAsChartServiceAccount(t, releaseNS, []string{existing, missing})
	waitReconciled(t, createCluster(t, missing, "later"))
	waitReconciled(t, createCluster(t, existing, "now"))
	if err := stop(); err != nil {
		t.Errorf("operator: %v", err)
	}

	if _, err := action.NewUninstall(cfg).Run("nats-operator"); err != nil {
		t.Fatalf("helm uninstall: %v", err)
	}
	requireKept(ctx, t, missing)
}

// requireKept checks that namespace ns exists, is not being deleted, and
// carries Helm's keep policy.
func requireKept(ctx context.Context, t *testing.T, ns string) {
	t.Helper()
	var got corev1.Namespace
	if err := cp.Client.Get(ctx, client.ObjectKey{Name: ns}, &got); err != nil {
		t.Fatalf("watched namespace %s: %v", ns, err)
	}
	if got.DeletionTimestamp != nil || got.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("namespace %s: deletionTimestamp %v, annotations %v; want it kept", ns, got.DeletionTimestamp, got.Annotations)
	}
}

// runAsChartServiceAccount runs the operator as the chart's ServiceAccount
// (impersonated), so that the API server applies exactly the chart's RBAC.
func runAsChartServiceAccount(t *testing.T, releaseNS string, watch []string) (stop func() error) {
	t.Helper()
	cfg := rest.CopyConfig(cp.Config)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + releaseNS + ":nats-operator",
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + releaseNS, "system:authenticated"},
	}
	sa := &testutil.ControlPlane{Config: cfg, Client: cp.Client}
	stop, err := sa.RunOperator(operator.Options{WatchNamespaces: watch})
	if err != nil {
		t.Fatal(err)
	}
	return stop
}

// helmConfig is Helm's action configuration for the control plane.
func helmConfig(t *testing.T, ns string) *action.Configuration {
	t.Helper()
	cfg := new(action.Configuration)
	if err := cfg.Init(restGetter{cfg: cp.Config, ns: ns}, ns, "secret", t.Logf); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// restGetter hands a rest.Config to Helm, which wants a kubeconfig loader.
type restGetter struct {
	cfg *rest.Config
	ns  string
}

func (g restGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }

func (g restGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(g.cfg)
	if err != nil {
		return nil, err
	}
	return memory.NewMemCacheClient(dc), nil
}

func (g restGetter) ToRESTMapper() (meta.RESTMapper, error) {
	dc, err := g.ToDiscoveryClient()
	if err != nil {
		return nil, err
	}
	return restmapper.NewDeferredDiscoveryRESTMapper(dc), nil
}

func (g restGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: g.ns}})
}

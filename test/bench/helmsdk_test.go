package bench_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/kube"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
	"github.com/nats-operator/nats-operator/internal/values"
)

// helmSDK installs the operator's chart with the Helm SDK, the way an
// application embedding Helm would: one action configuration, Secret
// storage, the CLI's discovery cache, no client-side rate limit.
type helmSDK struct {
	cfg       action.Configuration
	chart     *chart.Chart
	namespace string
	admin     client.Client // dry-run creates of the twin NatsClusters
	cpu       float64       // seconds of this process's CPU spent in install and upgrade
}

func newHelmSDK(kubeconfig, namespace, cacheDir string, admin client.Client) (*helmSDK, error) {
	ch, err := loader.Load(filepath.Join(testutil.RepoRoot(), "helm-charts", "nats-cluster"))
	if err != nil {
		return nil, fmt.Errorf("loading the chart: %w", err)
	}
	getter := kube.GetConfig(kubeconfig, "", namespace)
	getter.CacheDir = &cacheDir
	getter.WrapConfigFn = unthrottled
	h := &helmSDK{chart: ch, namespace: namespace, admin: admin}
	if err := h.cfg.Init(getter, namespace, "secret", func(string, ...any) {}); err != nil {
		return nil, fmt.Errorf("helm action configuration: %w", err)
	}
	return h, nil
}

// values are the chart values the operator would compute for a NatsCluster
// of this name and size in Helm's namespace: the API server defaults a
// dry-run create of it, and the operator's translator does the rest.
func (h *helmSDK) values(ctx context.Context, name string, size int32) (map[string]any, error) {
	twin := newCluster(h.namespace, name, size)
	if err := h.admin.Create(ctx, twin, client.DryRunAll); err != nil {
		return nil, fmt.Errorf("dry-run create of %s: %w", name, err)
	}
	return values.ToChartValues(twin, h.chart.Values)
}

func (h *helmSDK) install(ctx context.Context, name string, vals map[string]any) error {
	defer h.countCPU()()
	in := action.NewInstall(&h.cfg)
	in.ReleaseName, in.Namespace = name, h.namespace
	if _, err := in.RunWithContext(ctx, h.chart, vals); err != nil {
		return fmt.Errorf("helm install %s: %w", name, err)
	}
	return nil
}

// upgrade keeps as much history as the operator does.
func (h *helmSDK) upgrade(ctx context.Context, name string, vals map[string]any) error {
	defer h.countCPU()()
	up := action.NewUpgrade(&h.cfg)
	up.Namespace, up.MaxHistory = h.namespace, operator.MaxReleaseHistory
	if _, err := up.RunWithContext(ctx, name, h.chart, vals); err != nil {
		return fmt.Errorf("helm upgrade %s: %w", name, err)
	}
	return nil
}

// countCPU adds the process's CPU time until the returned function runs.
// The bench's watches run meanwhile too, so this is an upper bound of what
// Helm itself spent.
func (h *helmSDK) countCPU() func() {
	start := processCPU()
	return func() { h.cpu += processCPU() - start }
}

func (h *helmSDK) cpuSeconds() float64 { return h.cpu }

// processCPU is this process's user and system time in seconds.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// newCluster is the NatsCluster every phase creates: the sample's spec.
func newCluster(namespace, name string, size int32) *natsv1alpha2.NatsCluster {
	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace = name, namespace
	nc.Spec.Size = ptr.To(size)
	nc.Spec.Version = "2.15.2"
	return nc
}

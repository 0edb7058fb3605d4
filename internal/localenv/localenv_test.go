package localenv_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/nats-operator/nats-operator/internal/localenv"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestLocalEnvironmentReconcilesTheSamples is what `make run` does without
// a cluster: a control plane of its own, the operator, the samples applied
// and reconciled, and a kubeconfig that reaches it.
func TestLocalEnvironmentReconcilesTheSamples(t *testing.T) {
	testutil.Integration(t)
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run with make test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	env, err := localenv.Start(ctx, testutil.RepoFS(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	clusters, err := env.ApplySamples(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(clusters) == 0 {
		t.Fatal("the samples hold no NatsCluster")
	}
	for _, key := range clusters {
		summary, err := env.WaitDeployed(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(summary, "Deployed=True") {
			t.Errorf("summary %q lacks Deployed=True", summary)
		}
		var sts appsv1.StatefulSet
		if err := env.Client.Get(ctx, key, &sts); err != nil {
			t.Errorf("StatefulSet of %s: %v", key, err)
		}
	}
	// The printed kubeconfig works: kubectl users reach the same API server.
	cfg, err := clientcmd.BuildConfigFromFlags("", env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Host, "https://127.0.0.1:") {
		t.Errorf("kubeconfig server %q is not the local control plane", cfg.Host)
	}
}

// TestUnpackLeavesOtherFilesAlone: --dir may point at a directory with
// other content; only the assets are replaced.
func TestUnpackLeavesOtherFilesAlone(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "helm-charts", "nats-cluster", "templates", "removed.yaml")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := localenv.Unpack(testutil.RepoFS(), dir); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(keep); err != nil || string(b) != "mine" {
		t.Errorf("a file that is not an asset was touched: %q %v", b, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a stale chart file survived the unpack: %v", err)
	}
	for _, p := range []string{"watches.yaml", "config/crd/bases/nats.io_natsclusters.yaml", "helm-charts/nats-cluster/Chart.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("asset %s not unpacked: %v", p, err)
		}
	}
}

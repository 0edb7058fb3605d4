package localenv_test

import (
	"context"
	"os"
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

package hostile

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var (
	cp *testutil.ControlPlane
	// stopOperator stops the operator once; the corpus test stops it
	// itself, to see that it ends cleanly and to resolve nats.conf
	// variables while nothing else reads the environment.
	stopOperator func() error
)

// One all-namespaces operator, as a cluster-scoped install runs it: the
// mode in which a NatsCluster could reach other namespaces.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	defer func() {
		if standInsVal != nil {
			_ = os.RemoveAll(standInsDir(standInsVal))
		}
	}()
	if testing.Short() {
		return m.Run()
	}
	env, err := startControlPlane()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	// The client limits ctrl.GetConfig gives the operator in production.
	cp.Config.QPS, cp.Config.Burst = 20, 30
	stop, err := cp.RunOperator(operator.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var once sync.Once
	var stopErr error
	stopOperator = func() error {
		once.Do(func() { stopErr = stop() })
		return stopErr
	}
	defer func() { _ = stopOperator() }()
	return m.Run()
}

// startControlPlane is testutil.StartControlPlane with room for the
// corpus: every deployed NatsCluster's client Service takes a ClusterIP,
// and envtest's default range (a /24) runs out after about 250.
func startControlPlane() (*envtest.Environment, error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return nil, fmt.Errorf("KUBEBUILDER_ASSETS is not set: export KUBEBUILDER_ASSETS=$(hack/testbins/install.sh)")
	}
	logf.SetLogger(zap.New(zap.WriteTo(logSink()), zap.UseDevMode(true)))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(testutil.RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest: %w", err)
	}
	scheme, err := operator.NewScheme()
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	cp = &testutil.ControlPlane{Config: cfg, Client: c}
	return env, nil
}

// logSink is where the operator logs: NATS_OPERATOR_TEST_LOG, as for the
// other integration tests, or nowhere.
func logSink() *os.File {
	if p := os.Getenv("NATS_OPERATOR_TEST_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			return f
		}
	}
	f, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	return f
}

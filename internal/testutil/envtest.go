package testutil

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/nats-operator/nats-operator/internal/operator"
)

// ControlPlane is a real kube-apiserver and etcd (envtest) with the
// operator's CRDs installed. One per test package: start it in TestMain.
type ControlPlane struct {
	Config *rest.Config
	Client client.Client
	env    *envtest.Environment
}

// StartControlPlane starts kube-apiserver and etcd from KUBEBUILDER_ASSETS
// (hack/testbins/install.sh builds them; `make test` sets the variable).
// configure, if given, adjusts the environment before it starts (API
// server flags).
func StartControlPlane(configure ...func(*envtest.Environment)) (*ControlPlane, error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return nil, fmt.Errorf("KUBEBUILDER_ASSETS is not set: run the tests with `make test`, or export KUBEBUILDER_ASSETS=$(hack/testbins/install.sh)")
	}
	logf.SetLogger(zap.New(zap.WriteTo(logSink()), zap.UseDevMode(true)))
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	for _, c := range configure {
		c(env)
	}
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
	return &ControlPlane{Config: cfg, Client: c, env: env}, nil
}

// Stop stops the control plane.
func (cp *ControlPlane) Stop() error { return cp.env.Stop() }

// RunIntegration is the body of TestMain for packages with integration
// tests: it starts the control plane, then the package's shared operator if
// opts is not nil, runs the tests and stops both. With -short the tests run
// without them (they skip themselves via Integration).
func RunIntegration(m *testing.M, cp **ControlPlane, opts *operator.Options) int {
	flag.Parse()
	if testing.Short() {
		return m.Run()
	}
	var err error
	if *cp, err = StartControlPlane(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = (*cp).Stop() }()
	if opts != nil {
		stop, err := (*cp).RunOperator(*opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = stop() }()
	}
	return m.Run()
}

// Integration skips a test in -short mode (make unit); `make test` runs it.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs the envtest control plane (make test)")
	}
}

// StartOperator runs the whole operator (Helm reconciler from the
// repository's watches.yaml and the Go controllers) until the test ends.
func (cp *ControlPlane) StartOperator(t testing.TB, opts operator.Options) {
	t.Helper()
	stop, err := cp.RunOperator(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("operator stopped with error: %v", err)
		}
	})
}

// RunOperator starts the operator and returns the function that stops it;
// for TestMain, where an operator serves every test of a package.
func (cp *ControlPlane) RunOperator(opts operator.Options) (stop func() error, err error) {
	return cp.RunOperatorWithWatches(opts, filepath.Join(RepoRoot(), "watches.yaml"))
}

// RunOperatorWithWatches is RunOperator with another watches.yaml.
func (cp *ControlPlane) RunOperatorWithWatches(opts operator.Options, watchesFile string) (stop func() error, err error) {
	ws, err := operator.LoadWatches(watchesFile)
	if err != nil {
		return nil, err
	}
	if opts.MetricsAddr == "" {
		opts.MetricsAddr = "0"
	}
	if opts.ProbeAddr == "" {
		opts.ProbeAddr = "0"
	}
	// Several operators may run in one test process (install-mode tests).
	opts.SkipControllerNameValidation = true
	mgr, err := operator.NewManager(cp.Config, opts)
	if err != nil {
		return nil, err
	}
	if err := operator.Setup(mgr, ws); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	return func() error {
		cancel()
		return <-done
	}, nil
}

// Namespace creates a namespace with a unique name for one test.
func (cp *ControlPlane) Namespace(t testing.TB, prefix string) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix + "-" + rand.String(5)}}
	if err := cp.Client.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// Eventually polls cond until it returns nil or the timeout passes, then
// fails the test with cond's last error.
func Eventually(t testing.TB, timeout time.Duration, cond func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var last error
	for {
		if last = cond(ctx); last == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("condition not met within %s: %v", timeout, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logSink sends controller logs to a file when NATS_OPERATOR_TEST_LOG is
// set, and discards them otherwise, so test output stays readable.
func logSink() *os.File {
	if p := os.Getenv("NATS_OPERATOR_TEST_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err == nil {
			return f
		}
	}
	f, _ := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	return f
}

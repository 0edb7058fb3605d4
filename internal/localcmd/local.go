// Package localcmd is `make run` without a kubeconfig: the operator on an
// embedded control plane. It lives in its own command
// (cmd/nats-operator-local) because envtest, which it needs, creates a
// cache directory when the program starts and panics where it cannot:
// the operator's image runs with a read-only root filesystem.
package localcmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/localenv"
)

// Local runs the operator on an embedded control plane (kube-apiserver and
// etcd from KUBEBUILDER_ASSETS), applies the samples and waits until they
// are reconciled. With --once it then stops; otherwise it keeps running
// until interrupted, so the result can be inspected with kubectl.
func Local(ctx context.Context, args []string, assets fs.FS, stdout io.Writer) error {
	flags := flag.NewFlagSet("local", flag.ContinueOnError)
	once := flags.Bool("once", false, "stop once the samples are reconciled")
	dir := flags.String("dir", filepath.Join(os.TempDir(), "nats-operator-local"), "where to write the kubeconfig and the unpacked assets")
	timeout := flags.Duration("timeout", 3*time.Minute, "how long to wait for the samples to be reconciled")
	// Loopback only, and plain HTTP: this is a person's machine, not a cluster.
	metricsAddr := flags.String("metrics-bind-address", "127.0.0.1:8080", `the operator's metrics address (plain HTTP); "0" disables metrics`)
	probeAddr := flags.String("health-probe-bind-address", "127.0.0.1:8081", `the operator's health probe address; "0" disables the probes`)
	cli.BindLogFlags(flags)
	if err := flags.Parse(args); err != nil {
		return err
	}
	cli.SetupConsoleLogging()
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return errors.New("KUBEBUILDER_ASSETS is not set: `make run` builds kube-apiserver and etcd (hack/testbins/install.sh) and sets it")
	}
	env, err := localenv.StartServing(ctx, assets, *dir, localenv.Serve{MetricsAddr: *metricsAddr, ProbeAddr: *probeAddr})
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()

	served := cli.Endpoints(*metricsAddr, false, *probeAddr)
	fmt.Fprintf(stdout, "control plane up; kubeconfig: %s\noperator metrics: %s\noperator health: %s (and /readyz)\n",
		env.Kubeconfig, served.Metrics, served.Health)
	clusters, err := env.ApplySamples(ctx)
	if err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	for _, key := range clusters {
		summary, err := env.WaitDeployed(waitCtx, key)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "NatsCluster %s reconciled: %s\n", key, summary)
	}
	fmt.Fprintf(stdout, `
Look at the result with kubectl (make kubectl builds one if you have none):
  export KUBECONFIG=%s
  kubectl get natsclusters,statefulsets,services,configmaps,poddisruptionbudgets
  kubectl get configmap example-nats-config -o jsonpath='{.data.nats\.conf}'
There is no kubelet, so no NATS pods run; the objects are what a cluster would run.
The operator's own endpoints: metrics %s, health %s
`, env.Kubeconfig, served.Metrics, served.Health)
	if *once {
		return env.WaitSettled(waitCtx, time.Second)
	}
	fmt.Fprintln(stdout, "operator running; Ctrl-C stops it and the control plane")
	<-ctx.Done()
	return nil
}

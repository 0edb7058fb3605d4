// Package cli implements the operator's subcommands: run (the operator),
// render (a NatsCluster to objects, offline) and local (the operator on an
// embedded control plane).
package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/nats-operator/nats-operator/internal/operator"
)

// AllowOwnedConfigOverridesEnv turns the --allow-owned-config-overrides
// default on where flags are hard to reach (an OLM Subscription's env).
const AllowOwnedConfigOverridesEnv = "NATS_OPERATOR_ALLOW_OWNED_CONFIG_OVERRIDES"

// Run runs the operator against the cluster of the current kubeconfig or
// in-cluster config, until ctx ends.
func Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	watchesFile := fs.String("watches-file", "watches.yaml", "path of watches.yaml")
	metricsAddr := fs.String("metrics-bind-address", ":8443", `metrics address; "0" disables metrics`)
	secureMetrics := fs.Bool("metrics-secure", true, "serve metrics over HTTPS, authenticated and authorized by Kubernetes")
	probeAddr := fs.String("health-probe-bind-address", ":8081", "health probe address")
	leaderElect := fs.Bool("leader-elect", false, "elect a leader through a Lease, for more than one replica")
	leaderID := fs.String("leader-election-id", "nats-operator.nats.io", "name of the leader-election Lease")
	leaderNS := fs.String("leader-election-namespace", "", "namespace of the Lease when running outside the cluster")
	featureGates := fs.String("feature-gates", "", "nats-operator compatible gates, e.g. ClusterScoped=true (all namespaces)")
	allowOwned := fs.Bool("allow-owned-config-overrides", os.Getenv(AllowOwnedConfigOverridesEnv) == "true",
		"let config.merge and spec.chartValues set the nats.conf keys the operator owns (auth, listeners); see docs/security.md (env "+AllowOwnedConfigOverridesEnv+")")
	bindLogFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	gates, err := ParseFeatureGates(*featureGates)
	if err != nil {
		return err
	}
	ws, err := operator.LoadWatches(*watchesFile)
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no cluster to run against (set KUBECONFIG, or use `make run` for an embedded one): %w", err)
	}
	mgr, err := operator.NewManager(cfg, operator.Options{
		WatchNamespaces:         WatchNamespaces(os.Getenv("WATCH_NAMESPACE"), gates),
		MetricsAddr:             *metricsAddr,
		SecureMetrics:           *secureMetrics,
		ProbeAddr:               *probeAddr,
		LeaderElect:             *leaderElect,
		LeaderElectionID:        *leaderID,
		LeaderElectionNamespace: *leaderNS,
	})
	if err != nil {
		return err
	}
	if err := operator.SetupWithPolicy(mgr, ws, operator.Policy{AllowOwnedConfigOverrides: *allowOwned}); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

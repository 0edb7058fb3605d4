// Package cli implements the operator's subcommands: run (the operator),
// render (a NatsCluster to objects, offline) and local (the operator on an
// embedded control plane).
package cli

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/operator-framework/helm-operator-plugins/pkg/watches"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/operator"
)

// AllowOwnedConfigOverridesEnv turns the --allow-owned-config-overrides
// default on where flags are hard to reach (an OLM Subscription's env).
const AllowOwnedConfigOverridesEnv = "NATS_OPERATOR_ALLOW_OWNED_CONFIG_OVERRIDES"

// TokenSecretsEnv set to "false" starts the operator without the token-Secret
// mode (--token-secrets=false), for installs without serviceaccounts/token.
const TokenSecretsEnv = "NATS_OPERATOR_TOKEN_SECRETS"

// runFlags are the flags of `nats-operator run`.
type runFlags struct {
	watchesFile, metricsAddr, probeAddr string
	pprofAddr                           string
	tokenSecrets                        bool
	secureMetrics, leaderElect          bool
	leaderID, leaderNS, featureGates    string
	allowOwned                          bool
}

func parseRunFlags(args []string) (*runFlags, error) {
	f := &runFlags{}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.StringVar(&f.watchesFile, "watches-file", "watches.yaml", "path of watches.yaml")
	fs.StringVar(&f.metricsAddr, "metrics-bind-address", ":8443", `metrics address; "0" disables metrics`)
	fs.BoolVar(&f.secureMetrics, "metrics-secure", true, "serve metrics over HTTPS, authenticated and authorized by Kubernetes")
	fs.StringVar(&f.probeAddr, "health-probe-bind-address", ":8081", `health probe address; "0" disables the probes`)
	fs.StringVar(&f.pprofAddr, "pprof-bind-address", "0", `Go profiling (net/http/pprof) address, e.g. 127.0.0.1:6060, to take heap and CPU profiles; "0" (the default) disables it`)
	fs.BoolVar(&f.tokenSecrets, "token-secrets", os.Getenv(TokenSecretsEnv) != "false",
		"issue ServiceAccount tokens into Secrets for the token-Secret mode; false for an install without the serviceaccounts/token permission, where only callout mode serves ServiceAccount users (env "+TokenSecretsEnv+")")
	fs.BoolVar(&f.leaderElect, "leader-elect", false, "elect a leader through a Lease, for more than one replica")
	fs.StringVar(&f.leaderID, "leader-election-id", "nats-operator.nats.io", "name of the leader-election Lease")
	fs.StringVar(&f.leaderNS, "leader-election-namespace", "", "namespace of the Lease when running outside the cluster")
	fs.StringVar(&f.featureGates, "feature-gates", "", "nats-operator compatible gates, e.g. ClusterScoped=true (all namespaces)")
	fs.BoolVar(&f.allowOwned, "allow-owned-config-overrides", os.Getenv(AllowOwnedConfigOverridesEnv) == "true",
		"let config.merge and spec.chartValues set the nats.conf keys the operator owns (auth, listeners); see docs/security.md (env "+AllowOwnedConfigOverridesEnv+")")
	BindLogFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return f, nil
}

// Run runs the operator against the cluster of the current kubeconfig or
// in-cluster config, until ctx ends.
func Run(ctx context.Context, args []string) error {
	f, err := parseRunFlags(args)
	if err != nil {
		return err
	}
	gates, err := ParseFeatureGates(f.featureGates)
	if err != nil {
		return err
	}
	ws, err := operator.LoadWatches(f.watchesFile)
	if err != nil {
		return err
	}
	scheme, err := operator.NewScheme()
	if err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("no cluster to run against (set KUBECONFIG, or use `make run` for an embedded one): %w", err)
	}
	watch := WatchNamespaces(os.Getenv("WATCH_NAMESPACE"), gates)
	direct, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("creating the start-up client: %w", err)
	}
	log := ctrl.Log.WithName("setup")
	log.Info("garbage collector target", "GOGC", setGCPercent())
	served := Endpoints(f.metricsAddr, f.secureMetrics, f.probeAddr)
	log.Info("serving the operator's endpoints", "metrics", served.Metrics, "health", served.Health)
	ReportScope(ctx, log, direct, watch)
	return RunWatching(ctx, log, direct, watch, NamespacePoll, f.operatorStarter(cfg, ws))
}

// operatorStarter builds and starts the operator's manager on the given
// namespaces, each time RunWatching asks.
func (f *runFlags) operatorStarter(cfg *rest.Config, ws []watches.Watch) StartFunc {
	starts := 0
	return func(ctx context.Context, namespaces []string) error {
		starts++
		mgr, err := operator.NewManager(cfg, operator.Options{
			WatchNamespaces:         namespaces,
			MetricsAddr:             f.metricsAddr,
			SecureMetrics:           f.secureMetrics,
			ProbeAddr:               f.probeAddr,
			PprofAddr:               f.pprofAddr,
			LeaderElect:             f.leaderElect,
			LeaderElectionID:        f.leaderID,
			LeaderElectionNamespace: f.leaderNS,
			// A restart registers the same controllers again in this process.
			SkipControllerNameValidation: starts > 1,
		})
		if err != nil {
			return err
		}
		if err := operator.SetupWithPolicy(mgr, ws, operator.Policy{AllowOwnedConfigOverrides: f.allowOwned, NoTokenSecrets: !f.tokenSecrets}); err != nil {
			return err
		}
		return mgr.Start(ctx)
	}
}

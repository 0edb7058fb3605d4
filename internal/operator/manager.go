// Package operator wires the operator into one controller-runtime manager:
// the Helm reconciler for every watches.yaml entry and the Go controllers,
// sharing one cache that holds only what the operator manages.
package operator

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/selection"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Options configure the manager.
type Options struct {
	// WatchNamespaces limits the operator to these namespaces; empty means
	// all namespaces (cluster-scoped).
	WatchNamespaces []string
	// MetricsAddr is the metrics listen address; "0" disables metrics.
	MetricsAddr string
	// SecureMetrics serves metrics over HTTPS with Kubernetes authn/authz.
	SecureMetrics bool
	// ProbeAddr is the health probe listen address; "0" disables probes.
	ProbeAddr string
	// PprofAddr serves net/http/pprof; "0" or empty disables it.
	PprofAddr string
	// LeaderElect enables Lease-based leader election.
	LeaderElect bool
	// LeaderElectionID names the Lease.
	LeaderElectionID string
	// LeaderElectionNamespace is where the Lease lives when the operator runs
	// outside the cluster.
	LeaderElectionNamespace string
	// SkipControllerNameValidation lets several managers run in one process
	// (tests); controller-runtime otherwise refuses duplicate names.
	SkipControllerNameValidation bool
}

// NewScheme returns the scheme with the built-in kinds and the nats.io API.
func NewScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := natsv1alpha2.AddToScheme(s); err != nil {
		return nil, err
	}
	return s, nil
}

// ManagedSelector selects what the operator manages: every object the chart
// renders, the Helm release Secrets (labeled at install and upgrade) and
// the Secrets the Go controllers write.
var ManagedSelector = labels.SelectorFromSet(labels.Set{natsv1alpha2.LabelManagedBy: natsv1alpha2.ManagedByValue})

// cachedSecrets selects the Secrets the cache holds: the managed ones but
// Helm's release records. Helm reads those from the API server itself, and
// each holds a whole gzipped release (24 KB), twice per cluster.
var cachedSecrets = ManagedSelector.Add(mustRequirement("owner", selection.NotIn, "helm"))

func mustRequirement(key string, op selection.Operator, vals ...string) labels.Requirement {
	r, err := labels.NewRequirement(key, op, vals)
	if err != nil {
		panic(err)
	}
	return *r
}

// CacheOptions keeps the informers small: Secrets, ConfigMaps, Services,
// StatefulSets and PodDisruptionBudgets are cached only when the operator
// manages them, so unrelated objects in watched namespaces cost nothing;
// managedFields are dropped from every cached object, and the release's
// objects keep only what their readers use (slimManaged).
func CacheOptions(namespaces []string) cache.Options {
	managed := cache.ByObject{Label: ManagedSelector, Transform: slimManaged}
	opts := cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&natsv1alpha2.NatsCluster{}:     {Transform: slimPrimary},
			&corev1.Secret{}:                {Label: cachedSecrets},
			&corev1.ConfigMap{}:             managed,
			&corev1.Service{}:               managed,
			&appsv1.StatefulSet{}:           managed,
			&policyv1.PodDisruptionBudget{}: managed,
		},
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// NewManager builds the manager with health checks; controllers are added by
// Setup.
func NewManager(cfg *rest.Config, o Options) (ctrl.Manager, error) {
	scheme, err := NewScheme()
	if err != nil {
		return nil, err
	}
	metrics := metricsserver.Options{BindAddress: o.MetricsAddr, SecureServing: o.SecureMetrics}
	if o.SecureMetrics {
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Cache:                         CacheOptions(o.WatchNamespaces),
		Metrics:                       metrics,
		HealthProbeBindAddress:        o.ProbeAddr,
		PprofBindAddress:              o.PprofAddr,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              o.LeaderElectionID,
		LeaderElectionNamespace:       o.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Controller:                    config.Controller{SkipNameValidation: &o.SkipControllerNameValidation},
	})
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}
	return mgr, nil
}

package operator

import (
	"context"
	"fmt"
	"time"

	"github.com/operator-framework/helm-operator-plugins/pkg/annotation"
	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"github.com/operator-framework/helm-operator-plugins/pkg/reconciler"
	"github.com/operator-framework/helm-operator-plugins/pkg/watches"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/values"
)

// MaxReleaseHistory bounds the release Secrets kept per NatsCluster: the
// deployed one and one to roll back to.
const MaxReleaseHistory = 2

// releaseLabels go on the Helm release Secrets so that the filtered Secret
// cache sees our releases and no other chart's.
var releaseLabels = map[string]string{natsv1alpha2.LabelManagedBy: natsv1alpha2.ManagedByValue}

// Policy is what an administrator decides for every NatsCluster.
type Policy struct {
	// AllowOwnedConfigOverrides lets config.merge and spec.chartValues set
	// the nats.conf keys and values the operator owns (listeners, auth):
	// the --allow-owned-config-overrides flag, docs/security.md.
	AllowOwnedConfigOverrides bool
	// NoTokenSecrets: the operator was installed without the
	// serviceaccounts/token permission, so only callout mode serves
	// ServiceAccount users (--token-secrets=false, docs/auth.md).
	NoTokenSecrets bool
}

// SetupHelm adds one Helm reconciler per watches.yaml entry, honoring every
// field of the entry.
func SetupHelm(mgr ctrl.Manager, ws []watches.Watch, policy Policy) error {
	getter, err := newActionClientGetter(mgr, policy)
	if err != nil {
		return err
	}
	recorder := mgr.GetEventRecorderFor("nats-operator")
	getter = newResilientActionClientGetter(getter, recorder, mgr.GetAPIReader())
	statusClient := helmStatusClient{Client: mgr.GetClient(), reader: mgr.GetAPIReader(), recorder: recorder}
	for _, w := range ws {
		if len(w.OverrideValues) > 0 {
			mgr.GetLogger().Info("overrideValues apply to every resource", "kind", w.Kind, "values", w.OverrideValues)
		}
		r, err := reconciler.New(append(helmOptions(w, getter, policy),
			reconciler.WithClient(statusClient), reconciler.WithEventRecorder(overridesUnannounced{recorder}))...)
		if err != nil {
			return fmt.Errorf("helm reconciler for %s: %w", w.GroupVersionKind, err)
		}
		if err := r.SetupWithManager(newHelmEventsManager(mgr, w.GroupVersionKind)); err != nil {
			return fmt.Errorf("helm reconciler for %s: %w", w.GroupVersionKind, err)
		}
	}
	return nil
}

func helmOptions(w watches.Watch, getter helmclient.ActionClientGetter, policy Policy) []reconciler.Option {
	opts := []reconciler.Option{
		reconciler.WithChart(*w.Chart),
		reconciler.WithGroupVersionKind(w.GroupVersionKind),
		reconciler.WithActionClientGetter(getter),
		reconciler.WithOverrideValues(w.OverrideValues),
		reconciler.SkipDependentWatches(w.WatchDependentResources != nil && !*w.WatchDependentResources),
		reconciler.WithMaxReleaseHistory(MaxReleaseHistory),
		reconciler.WithInstallAnnotations(annotation.DefaultInstallAnnotations...),
		reconciler.WithUpgradeAnnotations(annotation.DefaultUpgradeAnnotations...),
		reconciler.WithUninstallAnnotations(annotation.DefaultUninstallAnnotations...),
	}
	if w.Selector != nil {
		opts = append(opts, reconciler.WithSelector(*w.Selector))
	}
	if w.ReconcilePeriod != nil {
		opts = append(opts, reconciler.WithReconcilePeriod(w.ReconcilePeriod.Duration))
	}
	if w.MaxConcurrentReconciles != nil {
		opts = append(opts, reconciler.WithMaxConcurrentReconciles(*w.MaxConcurrentReconciles))
	}
	if w.GroupVersionKind == natsv1alpha2.NatsClusterGVK {
		opts = append(opts,
			// The typed API is in the scheme for the Go controllers.
			reconciler.SkipPrimaryGVKSchemeRegistration(true),
			reconciler.WithValueTranslator(values.Translator{Defaults: w.Chart.Values, AllowOwnedConfig: policy.AllowOwnedConfigOverrides}),
			reconciler.WithPauseReconcileHandler(pausedBySpec),
		)
	}
	return opts
}

// pausedBySpec pauses the Helm reconciler while spec.paused is true, the
// field nats-operator users already set. Deletion is never paused: a paused
// reconciler would keep the uninstall finalizer, and the NatsCluster, forever.
func pausedBySpec(_ context.Context, obj *unstructured.Unstructured) (bool, error) {
	if obj.GetDeletionTimestamp() != nil {
		return false, nil
	}
	paused, _, err := unstructured.NestedBool(obj.Object, "spec", "paused")
	return paused, err
}

// newActionClientGetter builds Helm action clients that pass every render
// through the post-render guard before anything is applied, label release
// Secrets for the cache, and roll back without --force so immutable fields
// never lead to delete-and-recreate. Hooks are off in every action: Helm
// splits hook documents off before post-rendering, so a hook would reach
// the API server unguarded, and the chart has none.
//
// Helm's client-side OpenAPI validation is off: it downloaded and parsed
// the API server's OpenAPI documents in every install, upgrade and dry-run
// (a new kubectl factory per action), most of the operator's CPU. It only
// adds unknown-field checks to what the API server checks on every object
// anyway, and the rendered objects come from typed values (unknown keys are
// refused in internal/values) through the post-render guard, which runs the
// API server's create checks offline.
func newActionClientGetter(mgr ctrl.Manager, policy Policy) (helmclient.ActionClientGetter, error) {
	// Every write to a release's objects carries helmFieldManager: Helm's
	// own (install, upgrade) through kube.ManagedFieldsManager, the drift
	// repair of helm-operator-plugins through the default field manager the
	// API server derives from the user agent.
	kube.ManagedFieldsManager = helmFieldManager
	cfg := rest.CopyConfig(mgr.GetConfig())
	cfg.UserAgent = helmFieldManager
	acg, err := helmclient.NewActionConfigGetter(cfg, mgr.GetRESTMapper())
	if err != nil {
		return nil, fmt.Errorf("helm action config: %w", err)
	}
	return helmclient.NewActionClientGetter(quietActionConfigGetter{ActionConfigGetter: acg, live: mgr.GetAPIReader()},
		helmclient.AppendPostRenderers(confcheck.NewProvider(mgr.GetEventRecorderFor("nats-operator"), confcheck.Guard{AllowOwnedConfigOverrides: policy.AllowOwnedConfigOverrides})),
		helmclient.AppendInstallOptions(func(i *action.Install) error {
			i.Labels = releaseLabels
			i.DisableHooks = true
			i.DisableOpenAPIValidation = true
			return nil
		}),
		helmclient.AppendUpgradeOptions(func(u *action.Upgrade) error {
			u.Labels = releaseLabels
			u.DisableHooks = true
			u.DisableOpenAPIValidation = true
			return nil
		}),
		helmclient.AppendUninstallOptions(func(u *action.Uninstall) error {
			u.DisableHooks = true
			return nil
		}),
		helmclient.AppendInstallFailureUninstallOptions(func(u *action.Uninstall) error {
			u.DisableHooks = true
			return nil
		}),
		helmclient.AppendUpgradeFailureRollbackOptions(func(r *action.Rollback) error {
			r.Force = false
			r.DisableHooks = true
			r.Timeout = 5 * time.Minute
			return nil
		}),
	)
}

// overridesUnannounced is the Helm reconciler's event recorder without the
// "ValueOverridden" Warning helm-operator-plugins emits for each of
// watches.yaml's overrideValues at every install and upgrade: two Warnings
// per cluster per change, about the administrator's settings (the
// RELATED_IMAGE_* relocation of a disconnected install), which the
// cluster's owner can do nothing about. They are logged once at start.
type overridesUnannounced struct {
	record.EventRecorder
}

func (r overridesUnannounced) Eventf(obj runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	if reason == "ValueOverridden" {
		return
	}
	r.EventRecorder.Eventf(obj, eventtype, reason, messageFmt, args...)
}

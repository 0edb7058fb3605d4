package controller

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// AuthOptions tune the auth controllers; the zero value is production.
type AuthOptions struct {
	// Clock decides when tokens are due; nil means the real clock.
	Clock clock.PassiveClock
	// MaxRequeueAfter bounds the wait for the next token renewal; 0 means
	// none.
	MaxRequeueAfter time.Duration
	// Values are a NatsCluster's chart values, as the Helm reconciler
	// computes them; required.
	Values ValuesFunc
	// NoTokenSecrets: the operator may not issue tokens (no
	// serviceaccounts/token permission); only callout mode serves
	// ServiceAccount users.
	NoTokenSecrets bool
}

// SetupAuth registers the auth controllers (AuthReconciler and
// ServiceRoleReconciler), their name indexes and the SecretWatcher.
func SetupAuth(mgr ctrl.Manager, o AuthOptions) error {
	if o.Values == nil {
		return fmt.Errorf("auth controllers: no chart values (AuthOptions.Values)")
	}
	ctx := context.Background()
	byName := func(obj client.Object) []string { return []string{obj.GetName()} }
	if err := mgr.GetFieldIndexer().IndexField(ctx, &natsv1alpha2.NatsServiceRole{}, nameIndex, byName); err != nil {
		return fmt.Errorf("indexing NatsServiceRoles: %w", err)
	}
	sa := &metav1.PartialObjectMetadata{}
	sa.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ServiceAccount"))
	if err := mgr.GetFieldIndexer().IndexField(ctx, sa, nameIndex, byName); err != nil {
		return fmt.Errorf("indexing ServiceAccounts: %w", err)
	}
	watcher, err := NewSecretWatcher(mgr.GetConfig())
	if err != nil {
		return err
	}
	if err := mgr.Add(watcher); err != nil {
		return err
	}
	recorder := mgr.GetEventRecorderFor("nats-operator")
	if err := (&AuthReconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Scheme: mgr.GetScheme(), Recorder: recorder,
		Secrets: watcher, Clock: o.Clock, MaxRequeueAfter: o.MaxRequeueAfter, Values: o.Values, NoTokenSecrets: o.NoTokenSecrets,
	}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("auth controller: %w", err)
	}
	if err := (&ServiceRoleReconciler{Client: mgr.GetClient(), Recorder: recorder}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("service role controller: %w", err)
	}
	return nil
}

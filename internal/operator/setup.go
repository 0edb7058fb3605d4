package operator

import (
	"fmt"

	"github.com/operator-framework/helm-operator-plugins/pkg/watches"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/nats-operator/nats-operator/internal/controller"
)

// Setup registers every controller of the operator on mgr: the Helm
// reconcilers from watches.yaml and the Go controllers.
func Setup(mgr ctrl.Manager, ws []watches.Watch) error {
	return SetupWithPolicy(mgr, ws, Policy{})
}

// SetupWithPolicy is Setup with an administrator's policy.
func SetupWithPolicy(mgr ctrl.Manager, ws []watches.Watch, policy Policy) error {
	if err := SetupHelm(mgr, ws, policy); err != nil {
		return err
	}
	if err := (&controller.ClusterReadyReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("ready controller: %w", err)
	}
	chartValues, err := chartValues(ws, policy)
	if err != nil {
		return err
	}
	if err := controller.SetupAuth(mgr, controller.AuthOptions{Values: chartValues, NoTokenSecrets: policy.NoTokenSecrets}); err != nil {
		return fmt.Errorf("auth controllers: %w", err)
	}
	return nil
}

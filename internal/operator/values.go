package operator

import (
	"fmt"

	"github.com/operator-framework/helm-operator-plugins/pkg/watches"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/controller"
	"github.com/nats-operator/nats-operator/internal/values"
)

// Translator is the value translator of the NatsCluster entry of ws: the
// one the Helm reconciler renders with, and the Go controllers read the
// same values from.
func Translator(ws []watches.Watch, policy Policy) (values.Translator, error) {
	for _, w := range ws {
		if w.GroupVersionKind == natsv1alpha2.NatsClusterGVK {
			return values.Translator{Defaults: w.Chart.Values, AllowOwnedConfig: policy.AllowOwnedConfigOverrides}, nil
		}
	}
	return values.Translator{}, fmt.Errorf("watches: no entry for %s", natsv1alpha2.NatsClusterGVK)
}

// chartValues is what the auth controller reads the route list from.
func chartValues(ws []watches.Watch, policy Policy) (controller.ValuesFunc, error) {
	t, err := Translator(ws, policy)
	if err != nil {
		return nil, err
	}
	return t.Values, nil
}

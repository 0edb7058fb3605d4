package values

// Values of authentication: the operator-written auth Secret, the
// callout sidecar and the operator JWT.

import (
	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/images"
	builders "github.com/nats-operator/nats-operator/internal/resource"
)

func operatorValues(o *natsv1alpha2.OperatorConfig) OperatorJWT {
	if o == nil {
		return OperatorJWT{}
	}
	return OperatorJWT{Secret: o.Secret, SystemAccount: o.SystemAccount, Resolver: o.Resolver}
}

// authValues follows nats-operator's precedence, except that static users
// and ServiceAccount users now go together (nats-operator#170); a
// clientsAuthFile is used only when neither is set.
func authValues(nc *natsv1alpha2.NatsCluster) Auth {
	a := nc.Spec.Auth
	if a == nil {
		return Auth{}
	}
	out := Auth{
		Clients: a.ClientsAuthSecret != "" || a.EnableServiceAccounts,
		Cluster: a.ClusterAuthSecret != "",
		Gateway: a.GatewayAuthSecret != "" && nc.Spec.GatewayConfig != nil,
	}
	if !out.Clients {
		out.ClientsFile = a.ClientsAuthFile
	}
	if out.Clients || out.Cluster || out.Gateway {
		out.SecretName = builders.AuthSecretName(nc.Name)
	}
	if a.CalloutMode() {
		out.Callout = Callout{Enabled: true, SecretName: builders.CalloutSecretName(nc.Name), Image: images.Operator.Ref()}
	}
	return out
}

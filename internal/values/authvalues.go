package values

// Values of authentication: the operator-written auth Secret, the
// callout sidecar and the operator JWT.

import (
	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/images"
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
	plan := auth.PlanFor(nc)
	out := Auth{SecretName: plan.SecretName, Clients: plan.Clients, Cluster: plan.Cluster, Gateway: plan.Gateway}
	if a := nc.Spec.Auth; a != nil && !out.Clients {
		out.ClientsFile = a.ClientsAuthFile
	}
	if plan.CalloutSecretName != "" {
		out.Callout = Callout{Enabled: true, SecretName: plan.CalloutSecretName, Image: images.Operator.Ref()}
	}
	return out
}

package auth

import natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"

// Plan is the agreement between the auth controller, which writes the
// cluster's auth Secrets, and the values translator, whose chart mounts
// them and whose nats.conf includes their fragments: which Secrets and
// fragments exist. Both build it from the NatsCluster with PlanFor, so
// they cannot disagree.
type Plan struct {
	// SecretName is <cluster>-auth, "" when the cluster needs none.
	SecretName string
	// Clients, Cluster and Gateway say which fragments <cluster>-auth
	// holds: KeyClients, KeyCluster with KeyRoutes, KeyGateway.
	Clients, Cluster, Gateway bool
	// CalloutSecretName is <cluster>-callout in callout mode, else "".
	CalloutSecretName string
}

// SecretName is the name of a cluster's auth Secret.
func SecretName(cluster string) string { return cluster + "-auth" }

// CalloutSecretName is the name of a cluster's callout Secret.
func CalloutSecretName(cluster string) string { return cluster + "-callout" }

// PlanFor is the Plan of a NatsCluster.
func PlanFor(nc *natsv1alpha2.NatsCluster) Plan {
	a := nc.Spec.Auth
	if a == nil {
		return Plan{}
	}
	p := Plan{
		Clients: a.ClientsAuthSecret != "" || a.EnableServiceAccounts,
		Cluster: a.ClusterAuthSecret != "",
		// A gateway Secret without a gateway has nothing to protect.
		Gateway: a.GatewayAuthSecret != "" && nc.Spec.GatewayConfig != nil,
	}
	if p.Clients || p.Cluster || p.Gateway {
		p.SecretName = SecretName(nc.Name)
	}
	if a.CalloutMode() {
		p.CalloutSecretName = CalloutSecretName(nc.Name)
	}
	return p
}

package auth

import (
	"testing"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// TestPlanFor: the one decision of which auth Secrets and fragments a
// cluster has, which the auth controller and the chart values share.
func TestPlanFor(t *testing.T) {
	gateway := &natsv1alpha2.GatewayConfig{Name: "east", Port: 7522}
	callout := &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout}
	tests := []struct {
		name    string
		auth    *natsv1alpha2.AuthConfig
		gateway *natsv1alpha2.GatewayConfig
		want    Plan
	}{
		{"no auth", nil, nil, Plan{}},
		{"a clients file only", &natsv1alpha2.AuthConfig{ClientsAuthFile: "users.conf"}, nil, Plan{}},
		{"clients Secret", &natsv1alpha2.AuthConfig{ClientsAuthSecret: "c"}, nil, Plan{SecretName: "n-auth", Clients: true}},
		{"ServiceAccounts", &natsv1alpha2.AuthConfig{EnableServiceAccounts: true}, nil, Plan{SecretName: "n-auth", Clients: true}},
		{"routes", &natsv1alpha2.AuthConfig{ClusterAuthSecret: "r"}, nil, Plan{SecretName: "n-auth", Cluster: true}},
		{"gateway Secret without a gateway", &natsv1alpha2.AuthConfig{GatewayAuthSecret: "g"}, nil, Plan{}},
		{"gateway", &natsv1alpha2.AuthConfig{GatewayAuthSecret: "g"}, gateway, Plan{SecretName: "n-auth", Gateway: true}},
		{"callout", &natsv1alpha2.AuthConfig{EnableServiceAccounts: true, ServiceAccounts: callout}, nil,
			Plan{SecretName: "n-auth", Clients: true, CalloutSecretName: "n-callout"}},
	}
	for _, tt := range tests {
		nc := &natsv1alpha2.NatsCluster{}
		nc.Name, nc.Spec.Auth, nc.Spec.GatewayConfig = "n", tt.auth, tt.gateway
		if got := PlanFor(nc); got != tt.want {
			t.Errorf("%s: PlanFor = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

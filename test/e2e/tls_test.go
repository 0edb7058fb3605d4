//go:build e2e

package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// clientTLS trusts ca for serverName.
func clientTLS(ca *testutil.CA, serverName string) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// TestTLS: client and route TLS from Secrets with certificates issued for
// the cluster's DNS names; clients must use TLS, routes form over TLS.
func TestTLS(t *testing.T) {
	t.Parallel()
	const name = "e2e-tls"
	ca := testutil.NewCA(t)
	svc := name + "." + env.namespace + ".svc"
	routes := "*." + name + "-mgmt." + env.namespace + ".svc"
	serverCert, serverKey := ca.Issue(t, svc, svc, name, routes)
	routeCert, routeKey := ca.Issue(t, routes, routes)
	createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-server"), Data: map[string][]byte{
		"ca.pem": ca.PEM, "server.pem": serverCert, "server-key.pem": serverKey,
	}})
	createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-routes"), Data: map[string][]byte{
		"ca.pem": ca.PEM, "route.pem": routeCert, "route-key.pem": routeKey,
	}})
	c := createCluster(t, name, obj{
		"size": 3, "version": env.natsVersion,
		"tls": obj{"serverSecret": name + "-server", "routesSecret": name + "-routes"},
	})
	pods := c.waitReady(3, env.natsVersion)
	waitMesh(t, pods) // the routes are TLS-only: a mesh means route TLS works

	secure := nats.Secure(clientTLS(ca, svc))
	other := testutil.NewCA(t)
	for _, p := range pods {
		if info := serverInfo(t, p); info["tls_required"] != true {
			t.Errorf("%s: INFO says tls_required=%v, want true", p.Name, info["tls_required"])
		}
		if nc, err := connectPod(p, nats.Secure(clientTLS(other, svc))); err == nil {
			nc.Close()
			t.Errorf("%s: a client trusting another CA connected", p.Name)
		}
	}
	requireDelivery(t, mustConnectPod(t, pods[0], secure), mustConnectPod(t, pods[1], secure), "e2e.tls")
}

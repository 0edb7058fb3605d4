//go:build e2e

package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
)

// testCA issues certificates for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: t.Name() + " CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns a PEM certificate and key for dnsNames, good for both ends
// of a connection (routes and gateways authenticate each other).
func (ca *testCA) issue(t *testing.T, dnsNames ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: dnsNames[0]}, DNSNames: dnsNames,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func (ca *testCA) clientTLS(serverName string) *tls.Config {
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
}

// TestTLS: client and route TLS from Secrets with certificates issued for
// the cluster's DNS names; clients must use TLS, routes form over TLS.
func TestTLS(t *testing.T) {
	t.Parallel()
	const name = "e2e-tls"
	ca := newTestCA(t)
	svc := name + "." + env.namespace + ".svc"
	routes := "*." + name + "-mgmt." + env.namespace + ".svc"
	serverCert, serverKey := ca.issue(t, svc, name, routes)
	routeCert, routeKey := ca.issue(t, routes)
	createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-server"), Data: map[string][]byte{
		"ca.pem": ca.pem, "server.pem": serverCert, "server-key.pem": serverKey,
	}})
	createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-routes"), Data: map[string][]byte{
		"ca.pem": ca.pem, "route.pem": routeCert, "route-key.pem": routeKey,
	}})
	c := createCluster(t, name, obj{
		"size": 3, "version": env.natsVersion,
		"tls": obj{"serverSecret": name + "-server", "routesSecret": name + "-routes"},
	})
	pods := c.waitReady(3, env.natsVersion)
	waitMesh(t, pods) // the routes are TLS-only: a mesh means route TLS works

	secure := nats.Secure(ca.clientTLS(svc))
	other := newTestCA(t)
	for _, p := range pods {
		if info := serverInfo(t, p); info["tls_required"] != true {
			t.Errorf("%s: INFO says tls_required=%v, want true", p.Name, info["tls_required"])
		}
		if nc, err := connectPod(p, nats.Secure(other.clientTLS(svc))); err == nil {
			nc.Close()
			t.Errorf("%s: a client trusting another CA connected", p.Name)
		}
	}
	requireDelivery(t, mustConnectPod(t, pods[0], secure), mustConnectPod(t, pods[1], secure), "e2e.tls")
}

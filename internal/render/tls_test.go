package render_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// pki is a CA and leaf certificates for the TLS tests, as PEM.
type pki struct {
	caCert []byte
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return &pki{caCert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), ca: ca, caKey: key}
}

// leaf issues a certificate for the given names (an IP name becomes an IP
// SAN), usable as server and client certificate.
func (p *pki) leaf(t *testing.T, cn string, names ...string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

// mountSecret writes files as the kubelet mounts a Secret and returns the
// directory.
func mountSecret(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTLSDefaultsOfNatsOperator renders nats-operator's TLS example and
// checks that the documented default paths come out exactly.
func TestTLSDefaultsOfNatsOperator(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: nats, namespace: default}
spec:
  size: 3
  version: "2.15.2"
  tls:
    serverSecret: nats-clients-tls
    routesSecret: nats-routes-tls
`))
	conf := r.natsConf(t, "nats")
	for _, want := range []string{
		`ca_file: "/etc/nats-server-tls-certs/ca.pem"`,
		`cert_file: "/etc/nats-server-tls-certs/server.pem"`,
		`key_file: "/etc/nats-server-tls-certs/server-key.pem"`,
		`ca_file: "/etc/nats-routes-tls-certs/ca.pem"`,
		`cert_file: "/etc/nats-routes-tls-certs/route.pem"`,
		`key_file: "/etc/nats-routes-tls-certs/route-key.pem"`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nats.conf lacks %s:\n%s", want, conf)
		}
	}
	sts, nats := r.natsContainer(t, "nats")
	mounts := map[string]string{}
	for _, m := range nats.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	if mounts["server-tls-certs"] != "/etc/nats-server-tls-certs" || mounts["routes-tls-certs"] != "/etc/nats-routes-tls-certs" {
		t.Errorf("TLS mounts = %v", mounts)
	}
	secrets := map[string]string{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		if v.Secret != nil {
			secrets[v.Name] = v.Secret.SecretName
		}
	}
	if secrets["server-tls-certs"] != "nats-clients-tls" || secrets["routes-tls-certs"] != "nats-routes-tls" {
		t.Errorf("TLS volumes = %v", secrets)
	}
}

// TestTLSMeshAndClientsWithRealServers renders a 2-server cluster with
// client mTLS and route TLS from cert-manager style Secrets, starts real
// servers from the rendered config with the Secrets "mounted", and checks
// that the routes form over TLS and that a client with a certificate can
// connect while one without TLS cannot.
func TestTLSMeshAndClientsWithRealServers(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: secure, namespace: apps}
spec:
  size: 2
  tls:
    serverSecret: secure-tls
    serverSecretCAFileName: ca.crt
    serverSecretCertFileName: tls.crt
    serverSecretKeyFileName: tls.key
    verify: true
    clientsTLSTimeout: 3
    routesSecret: secure-routes
    routesSecretCAFileName: ca.crt
    routesSecretCertFileName: tls.crt
    routesSecretKeyFileName: tls.key
`))
	p := newPKI(t)
	srvCert, srvKey := p.leaf(t, "secure", "secure.apps.svc", "localhost", "127.0.0.1")
	routeCert, routeKey := p.leaf(t, "secure-route", "*.secure-mgmt.apps.svc", "127.0.0.1")
	clientCert, clientKey := p.leaf(t, "app")
	serverDir := mountSecret(t, map[string][]byte{"ca.crt": p.caCert, "tls.crt": srvCert, "tls.key": srvKey})
	routesDir := mountSecret(t, map[string][]byte{"ca.crt": p.caCert, "tls.crt": routeCert, "tls.key": routeKey})

	conf := r.natsConf(t, "secure")
	conf = strings.ReplaceAll(conf, "/etc/nats-server-tls-certs", serverDir)
	conf = strings.ReplaceAll(conf, "/etc/nats-routes-tls-certs", routesDir)

	ports := freePorts(t, 2)
	var urls []string
	for i := range 2 {
		opts := loadRendered(t, conf)
		if opts.TLSConfig == nil || opts.TLSConfig.ClientAuth != tls.RequireAndVerifyClientCert || opts.TLSTimeout != 3 || opts.Cluster.TLSConfig == nil {
			t.Fatalf("TLS options not loaded: client TLS=%v timeout=%v route TLS=%v", opts.TLSConfig != nil, opts.TLSTimeout, opts.Cluster.TLSConfig != nil)
		}
		opts.Cluster.Port = ports[i]
		for _, u := range opts.Routes {
			u.Host = "127.0.0.1:" + strconv.Itoa(ports[ordinal(t, u, "secure", "apps")])
		}
		s := startServer(t, opts)
		urls = append(urls, s.ClientURL())
		defer func() {
			deadline := time.Now().Add(10 * time.Second)
			for peers(t, s) != 1 && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if n := peers(t, s); n != 1 {
				t.Errorf("server %d has %d TLS route peers, want 1", i, n)
			}
		}()
	}

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(p.caCert)
	pair, err := tls.X509KeyPair(clientCert, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(urls[0], nats.Secure(&tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}, ServerName: "localhost", MinVersion: tls.VersionTLS12}))
	if err != nil {
		t.Fatalf("TLS client with a certificate refused: %v", err)
	}
	defer nc.Close()
	if !nc.TLSRequired() {
		t.Errorf("connection is not TLS")
	}
	if _, err := nats.Connect(urls[1], nats.Timeout(2*time.Second)); err == nil {
		t.Errorf("a client without TLS was accepted")
	}
	noCert, err := nats.Connect(urls[1], nats.Secure(&tls.Config{RootCAs: roots, ServerName: "localhost", MinVersion: tls.VersionTLS12}), nats.Timeout(2*time.Second))
	if err == nil {
		noCert.Close()
		t.Errorf("a client without a certificate was accepted although tls.verify is on")
	}
}

package render_test

import (
	"crypto/tls"
	"crypto/x509"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

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
	p := testutil.NewCA(t)
	srvCert, srvKey := p.Issue(t, "secure", "secure.apps.svc", "localhost", "127.0.0.1")
	routeCert, routeKey := p.Issue(t, "secure-route", "*.secure-mgmt.apps.svc", "127.0.0.1")
	clientCert, clientKey := p.Issue(t, "app")
	serverDir := testutil.MountSecret(t, map[string][]byte{"ca.crt": p.PEM, "tls.crt": srvCert, "tls.key": srvKey})
	routesDir := testutil.MountSecret(t, map[string][]byte{"ca.crt": p.PEM, "tls.crt": routeCert, "tls.key": routeKey})

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
	roots.AppendCertsFromPEM(p.PEM)
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

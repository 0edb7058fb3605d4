package callout_test

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-operator/nats-operator/internal/callout"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// secretDir writes the clients' TLS Secret as the kubelet mounts it.
func secretDir(t *testing.T, ca, cert, key []byte) callout.LoopbackTLS {
	t.Helper()
	dir := testutil.MountSecret(t, map[string][]byte{"ca.crt": ca, "tls.crt": cert, "tls.key": key})
	return callout.LoopbackTLS{CAFile: filepath.Join(dir, "ca.crt"), CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key")}
}

// handshake runs one TLS handshake between cfg and a listener on the
// loopback that presents serverCert and requires a client certificate
// signed by clientCA; it returns the client's error and the subject of the
// certificate the server received.
func handshake(t *testing.T, cfg *tls.Config, serverCert, serverKey []byte, clientCA *testutil.CA) (clientSubject string, err error) {
	t.Helper()
	pair, err := tls.X509KeyPair(serverCert, serverKey)
	if err != nil {
		t.Fatal(err)
	}
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(clientCA.Cert)
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{pair}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	accepted := make(chan string, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			accepted <- ""
			return
		}
		defer func() { _ = c.Close() }()
		tc := c.(*tls.Conn)
		if tc.Handshake() != nil || len(tc.ConnectionState().PeerCertificates) == 0 {
			accepted <- ""
			return
		}
		accepted <- tc.ConnectionState().PeerCertificates[0].Subject.CommonName
	}()
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", l.Addr().String(), cfg)
	if err != nil {
		<-accepted
		return "", err
	}
	defer func() { _ = conn.Close() }()
	// TLS 1.3 reports a refused client certificate on the first read.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, _ = conn.Read(make([]byte, 1))
	return <-accepted, nil
}

// TestLoopbackTLSTrustsItsOwnServer: the sidecar reaches its server on
// 127.0.0.1, which the certificate does not name, and accepts it because
// it presents the Secret's certificate, or a renewed one from the same CA;
// with client verification on it presents that certificate as its own. A
// server with a certificate from another CA is refused, saying why.
func TestLoopbackTLSTrustsItsOwnServer(t *testing.T) {
	ca := testutil.NewCA(t)
	cert, key := ca.Issue(t, "co.team.svc", "co.team.svc")
	mounted := secretDir(t, ca.PEM, cert, key)
	cfg, err := mounted.Config()
	if err != nil {
		t.Fatal(err)
	}

	got, err := handshake(t, cfg, cert, key, ca)
	if err != nil || got != "co.team.svc" {
		t.Errorf("own server: client error %v, the server saw client certificate %q, want co.team.svc", err, got)
	}
	renewed, renewedKey := ca.Issue(t, "renewed.team.svc", "renewed.team.svc")
	if _, err := handshake(t, cfg, renewed, renewedKey, ca); err != nil {
		t.Errorf("a server with a renewed certificate of the same CA: %v", err)
	}

	other := testutil.NewCA(t)
	foreign, foreignKey := other.Issue(t, "co.team.svc", "co.team.svc")
	_, err = handshake(t, cfg, foreign, foreignKey, ca)
	if err == nil || !strings.Contains(err.Error(), "neither the one in") {
		t.Errorf("a server with another CA's certificate: err = %v, want a refusal naming the files", err)
	}

	// Without a CA file only the Secret's own certificate is trusted.
	pinned := mounted
	pinned.CAFile = ""
	pinnedCfg, err := pinned.Config()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, pinnedCfg, cert, key, ca); err != nil {
		t.Errorf("pinned to its own certificate: %v", err)
	}
	if _, err := handshake(t, pinnedCfg, renewed, renewedKey, ca); err == nil {
		t.Error("pinned without a CA, a server with another certificate was accepted")
	}
}

// TestLoopbackTLSRefusesAServerOnlyCertificate: with client verification
// on, a certificate only for server authentication cannot be the
// sidecar's client certificate; the sidecar says so at start instead of
// failing each connect.
func TestLoopbackTLSRefusesAServerOnlyCertificate(t *testing.T) {
	ca := testutil.NewCA(t)
	cert, key := ca.IssueFor(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, "co.team.svc", "co.team.svc")
	mounted := secretDir(t, ca.PEM, cert, key)
	if _, err := mounted.Config(); err == nil || !strings.Contains(err.Error(), "client auth") {
		t.Errorf("err = %v, want one that asks for the client auth usage", err)
	}
	// Without client verification (no key) the same certificate is fine.
	mounted.KeyFile = ""
	if _, err := mounted.Config(); err != nil {
		t.Errorf("without client verification: %v", err)
	}
}

package callout

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/nats-operator/nats-operator/internal/auth"
)

// LoopbackTLS is the sidecar's TLS towards the NATS server beside it when
// the clients' port requires TLS (spec.tls.serverSecret). The sidecar
// mounts the same Secret as the server.
//
// The server is reached on 127.0.0.1, which its certificate rarely names,
// so the host name is not what is checked: the server must present the
// certificate of that Secret, or one its CA signed (while the kubelet
// updates the mount, the file and the server's loaded certificate may
// differ for a moment). With client verification on (spec.tls.verify) the
// sidecar presents the Secret's certificate as its own.
type LoopbackTLS struct {
	// CAFile, CertFile and KeyFile are the mounted files; KeyFile is set
	// only when the server requires client certificates.
	CAFile, CertFile, KeyFile string
}

// Config is the client TLS configuration. The files are read at each
// handshake, so a renewed certificate is used on the next reconnect. It
// fails at once when the certificate cannot serve as a client certificate,
// which would otherwise show only as a server refusing each connect.
func (l LoopbackTLS) Config() (*tls.Config, error) {
	if l.KeyFile != "" {
		if err := l.checkClientCertificate(); err != nil {
			return nil, err
		}
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is verified in VerifyConnection, without the host name.
		InsecureSkipVerify: true, //nolint:gosec // see VerifyConnection
		VerifyConnection:   l.verifyServer,
	}
	if l.KeyFile != "" {
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			cert, err := tls.LoadX509KeyPair(l.CertFile, l.KeyFile)
			return &cert, err
		}
	}
	return cfg, nil
}

func (l LoopbackTLS) verifyServer(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the NATS server presented no certificate")
	}
	leaf := cs.PeerCertificates[0]
	own, err := os.ReadFile(l.CertFile)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(pemBlocks(own), func(der []byte) bool { return bytes.Equal(der, leaf.Raw) }) {
		return nil
	}
	if l.CAFile == "" {
		return fmt.Errorf("the NATS server's certificate (%s) is not the one in %s", leaf.Subject, l.CertFile)
	}
	caPEM, err := os.ReadFile(l.CAFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("%s holds no PEM certificate", l.CAFile)
	}
	intermediates := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates}); err != nil {
		return fmt.Errorf("the NATS server's certificate (%s) is neither the one in %s nor signed by the CA in %s: %w", leaf.Subject, l.CertFile, l.CAFile, err)
	}
	return nil
}

// checkClientCertificate refuses a certificate whose extended key usages
// leave out client authentication: the server would refuse it.
func (l LoopbackTLS) checkClientCertificate() error {
	certPEM, err := os.ReadFile(l.CertFile)
	if err != nil {
		return fmt.Errorf("the client TLS certificate the callout presents to its server: %w", err)
	}
	if err := auth.CalloutClientCertificate(certPEM); err != nil {
		return fmt.Errorf("%s: %w", l.CertFile, err)
	}
	if _, err := tls.LoadX509KeyPair(l.CertFile, l.KeyFile); err != nil {
		return fmt.Errorf("the client TLS certificate the callout presents to its server: %w", err)
	}
	return nil
}

func pemBlocks(data []byte) [][]byte {
	var out [][]byte
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return out
		}
		if block.Type == "CERTIFICATE" {
			out = append(out, block.Bytes)
		}
	}
}

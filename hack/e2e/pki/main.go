// Command pki writes the certificates and kubeconfigs of the e2e node into a
// directory: a CA, the API server's serving certificate, the service-account
// signing key, and one client certificate plus kubeconfig per identity (the
// admin, the kubelet, the controller manager, the scheduler, CoreDNS and the
// API server's client for the kubelet).
//
// Everything is generated fresh for each node: the directory lives and dies
// with the node, so nothing here is ever reused across machines.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// identity is a client certificate: its user name and groups, and whether it
// gets a kubeconfig (the kubelet client certificate is a flag of the API
// server, not a kubeconfig).
type identity struct {
	file       string
	user       string
	groups     []string
	kubeconfig bool
}

func identities(node string) []identity {
	return []identity{
		{"admin", "e2e-admin", []string{"system:masters"}, true},
		{"kubelet", "system:node:" + node, []string{"system:nodes"}, true},
		{"controller-manager", "system:kube-controller-manager", nil, true},
		{"scheduler", "system:kube-scheduler", nil, true},
		{"coredns", "e2e-coredns", nil, true},
		{"apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, false},
	}
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	dir := flag.String("dir", "", "output directory")
	server := flag.String("server", "", "API server URL for the kubeconfigs")
	node := flag.String("node", "e2e-node", "node name (the kubelet's user is system:node:<node>)")
	var ips, dnsNames stringList
	flag.Var(&ips, "ip", "IP SAN of the API server certificate (repeatable)")
	flag.Var(&dnsNames, "dns", "DNS SAN of the API server certificate (repeatable)")
	flag.Parse()
	if *dir == "" || *server == "" {
		fmt.Fprintln(os.Stderr, "usage: pki -dir DIR -server URL [-ip IP]... [-dns NAME]...")
		os.Exit(2)
	}
	if err := run(*dir, *server, *node, ips, dnsNames); err != nil {
		fmt.Fprintln(os.Stderr, "pki:", err)
		os.Exit(1)
	}
}

func run(dir, server, node string, ips, dnsNames []string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	caKey, caCert, err := newCA()
	if err != nil {
		return err
	}
	if err := writePair(dir, "ca", caCert, caKey); err != nil {
		return err
	}
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    dnsNames,
	}
	for _, ip := range ips {
		parsed := net.ParseIP(ip)
		if parsed == nil {
			return fmt.Errorf("-ip %q is not an IP address", ip)
		}
		serving.IPAddresses = append(serving.IPAddresses, parsed)
	}
	if err := issue(dir, "apiserver", serving, caCert, caKey); err != nil {
		return err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("service-account key: %w", err)
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), saKey); err != nil {
		return err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return fmt.Errorf("service-account public key: %w", err)
	}
	if err := writePEM(filepath.Join(dir, "sa.pub"), "PUBLIC KEY", saPub); err != nil {
		return err
	}
	for _, id := range identities(node) {
		tmpl := &x509.Certificate{
			Subject:     pkix.Name{CommonName: id.user, Organization: id.groups},
			ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		}
		if err := issue(dir, id.file, tmpl, caCert, caKey); err != nil {
			return err
		}
		if id.kubeconfig {
			if err := writeKubeconfig(dir, id, server); err != nil {
				return err
			}
		}
	}
	return nil
}

func newCA() (*ecdsa.PrivateKey, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "nats-operator-e2e-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	return key, cert, nil
}

// issue signs tmpl with the CA and writes <name>.crt and <name>.key.
func issue(dir, name string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("%s key: %w", name, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return fmt.Errorf("%s serial: %w", name, err)
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(7 * 24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return fmt.Errorf("%s certificate: %w", name, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("parse %s certificate: %w", name, err)
	}
	return writePair(dir, name, cert, key)
}

func writePair(dir, name string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	if err := writePEM(filepath.Join(dir, name+".crt"), "CERTIFICATE", cert.Raw); err != nil {
		return err
	}
	return writeKey(filepath.Join(dir, name+".key"), key)
}

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("marshal %s: %w", path, err)
	}
	return writePEM(path, "EC PRIVATE KEY", der)
}

func writePEM(path, typ string, der []byte) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeKubeconfig(dir string, id identity, server string) error {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("read %s: %w", name, err)
		}
		return base64.StdEncoding.EncodeToString(b), nil
	}
	ca, err := read("ca.crt")
	if err != nil {
		return err
	}
	cert, err := read(id.file + ".crt")
	if err != nil {
		return err
	}
	key, err := read(id.file + ".key")
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: e2e
  context: {cluster: e2e, user: %s}
current-context: e2e
`, server, ca, id.file, cert, key, id.file)
	path := filepath.Join(dir, id.file+".kubeconfig")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

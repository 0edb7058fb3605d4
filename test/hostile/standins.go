package hostile

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// standIns are files nats-server opens while it processes a config: a
// self-signed certificate (its own CA), its key and an operator JWT. Their
// content does not matter to what the checks look at, only that the server
// can load them.
type standIns struct{ cert, key, jwt string }

var (
	standInsOnce sync.Once
	standInsVal  *standIns
	standInsErr  error
)

func loadStandIns() (*standIns, error) {
	standInsOnce.Do(func() { standInsVal, standInsErr = makeStandIns() })
	return standInsVal, standInsErr
}

func makeStandIns() (*standIns, error) {
	dir, err := os.MkdirTemp("", "hostile-standins-")
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hostile-check"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	op, err := nkeys.CreateOperator()
	if err != nil {
		return nil, err
	}
	pub, err := op.PublicKey()
	if err != nil {
		return nil, err
	}
	token, err := jwt.NewOperatorClaims(pub).Encode(op)
	if err != nil {
		return nil, err
	}
	st := &standIns{cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"), jwt: filepath.Join(dir, "op.jwt")}
	for file, content := range map[string][]byte{
		st.cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		st.key:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		st.jwt:  []byte(token),
	} {
		if err := os.WriteFile(file, content, 0o600); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func standInsDir(st *standIns) string { return filepath.Dir(st.cert) }

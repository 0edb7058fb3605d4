package confcheck

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
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

// fileKeys are the config keys whose value is a file nats-server opens while
// loading the config. Their files live in Secrets in the pod, so the check
// redirects them to stand-ins of the right kind.
// Both the JSON form ("key": "path") and the nats.conf form (key: "path")
// are recognized.
var fileKeys = regexp.MustCompile(`("?\b(cert_file|key_file|ca_file|operator)"?\s*[:=]\s*)"(/[^"]+)"`)

// stubFiles rewrites the absolute file paths of conf into dir and writes a
// stand-in for each: a certificate, a key or an operator JWT. Only the path
// changes, on the same line, so positions in errors stay right.
func stubFiles(dir, conf string) (string, error) {
	st, err := loadStandIns()
	if err != nil {
		return "", err
	}
	var werr error
	out := fileKeys.ReplaceAllStringFunc(conf, func(m string) string {
		sub := fileKeys.FindStringSubmatch(m)
		prefix, key, path := sub[1], sub[2], sub[3]
		target := filepath.Join(dir, "files", filepath.FromSlash(path))
		content := map[string][]byte{"cert_file": st.cert, "ca_file": st.cert, "key_file": st.key, "operator": st.operatorJWT}[key]
		if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
			werr = err
		} else if err := os.WriteFile(target, content, 0o600); err != nil {
			werr = err
		}
		return prefix + `"` + filepath.ToSlash(target) + `"`
	})
	return out, werr
}

type standIns struct{ cert, key, operatorJWT []byte }

var (
	standInsOnce sync.Once
	standInsVal  standIns
	standInsErr  error
)

// loadStandIns makes, once per process, a self-signed certificate (which
// also serves as its own CA) and an operator JWT.
func loadStandIns() (standIns, error) {
	standInsOnce.Do(func() { standInsVal, standInsErr = makeStandIns() })
	return standInsVal, standInsErr
}

func makeStandIns() (standIns, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return standIns{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nats-config-check"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, DNSNames: []string{"localhost"},
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return standIns{}, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return standIns{}, err
	}
	op, err := nkeys.CreateOperator()
	if err != nil {
		return standIns{}, err
	}
	pub, err := op.PublicKey()
	if err != nil {
		return standIns{}, err
	}
	token, err := jwt.NewOperatorClaims(pub).Encode(op)
	if err != nil {
		return standIns{}, err
	}
	return standIns{
		cert:        pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		key:         pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		operatorJWT: []byte(token),
	}, nil
}

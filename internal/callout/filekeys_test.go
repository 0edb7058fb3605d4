package callout_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/nats-operator/nats-operator/internal/callout"
)

// TestFileKeysFollowTheFiles: the sidecar's keys are read again when the
// mounted files change (a rotation), and kept while they do not.
func TestFileKeysFollowTheFiles(t *testing.T) {
	dir := t.TempDir()
	issuerPath, xkeyPath := filepath.Join(dir, "issuer.nk"), filepath.Join(dir, "xkey.nk")
	write := func(mtime time.Time) (string, string) {
		t.Helper()
		issuer, _ := nkeys.CreateAccount()
		xkey, _ := nkeys.CreateCurveKeys()
		for path, kp := range map[string]nkeys.KeyPair{issuerPath: issuer, xkeyPath: xkey} {
			seed, _ := kp.Seed()
			if err := os.WriteFile(path, seed, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(path, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
		ip, _ := issuer.PublicKey()
		xp, _ := xkey.PublicKey()
		return ip, xp
	}
	current := func(k *callout.FileKeys) (string, string) {
		t.Helper()
		issuer, xkey, err := k.Current()
		if err != nil {
			t.Fatal(err)
		}
		ip, _ := issuer.PublicKey()
		xp, _ := xkey.PublicKey()
		return ip, xp
	}
	keys := &callout.FileKeys{IssuerPath: issuerPath, XKeyPath: xkeyPath}
	i1, x1 := write(time.Unix(1000, 0))
	if i, x := current(keys); i != i1 || x != x1 {
		t.Fatalf("first read: %s %s, want %s %s", i, x, i1, x1)
	}
	i2, x2 := write(time.Unix(2000, 0))
	if i, x := current(keys); i != i2 || x != x2 {
		t.Errorf("after the files changed: %s %s, want the new %s %s", i, x, i2, x2)
	}
	if err := os.Remove(xkeyPath); err != nil {
		t.Fatal(err)
	}
	if _, _, err := keys.Current(); err == nil {
		t.Error("a missing seed file is not reported")
	}
}

package callout_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/nats-operator/nats-operator/internal/auth"
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
		generations, err := k.Generations()
		if err != nil {
			t.Fatal(err)
		}
		if len(generations) != 1 {
			t.Fatalf("%d generations of keys without a rotation, want 1", len(generations))
		}
		ip, _ := generations[0].Issuer.PublicKey()
		xp, _ := generations[0].XKey.PublicKey()
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
	if _, err := keys.Generations(); err == nil {
		t.Error("a missing seed file is not reported")
	}
}

// TestFileKeysDuringARotation: the next keys staged beside the current
// ones, and later the previous ones, are a second generation after the
// current one; when they go, one generation is left.
func TestFileKeysDuringARotation(t *testing.T) {
	dir := t.TempDir()
	seed := func(name string, create func() (nkeys.KeyPair, error)) string {
		t.Helper()
		kp, err := create()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := kp.Seed()
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o600); err != nil {
			t.Fatal(err)
		}
		pub, _ := kp.PublicKey()
		return pub
	}
	issuers := func(k *callout.FileKeys) []string {
		t.Helper()
		generations, err := k.Generations()
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range generations {
			pub, _ := g.Issuer.PublicKey()
			out = append(out, pub)
		}
		return out
	}
	current := seed("issuer.nk", nkeys.CreateAccount)
	seed("xkey.nk", nkeys.CreateCurveKeys)
	keys := &callout.FileKeys{IssuerPath: filepath.Join(dir, "issuer.nk"), XKeyPath: filepath.Join(dir, "xkey.nk")}
	if got := issuers(keys); !slices.Equal(got, []string{current}) {
		t.Fatalf("before the rotation: %v", got)
	}
	next := seed(auth.CalloutNextKeys+"issuer.nk", nkeys.CreateAccount)
	seed(auth.CalloutNextKeys+"xkey.nk", nkeys.CreateCurveKeys)
	if got := issuers(keys); !slices.Equal(got, []string{current, next}) {
		t.Errorf("staged: %v, want the current issuer %s, then the next %s", got, current, next)
	}
	for _, f := range []string{"next-issuer.nk", "next-xkey.nk"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	if got := issuers(keys); !slices.Equal(got, []string{current}) {
		t.Errorf("after the next keys went: %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, auth.CalloutPreviousKeys+"issuer.nk"), []byte("not a seed"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Generations(); err == nil {
		t.Error("an unreadable previous generation is not reported")
	}
}

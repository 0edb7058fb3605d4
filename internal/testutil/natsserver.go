package testutil

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/nats-operator/nats-operator/internal/values"
)

// NATSOptions loads conf as nats-server does at start-up, from a directory
// laid out as the NATS container's config directory: nats.conf, and
// authFiles (the auth Secret's keys) in its auth directory beside it. The
// options log nothing and leave signals alone; where the server listens is
// the caller's to set.
func NATSOptions(t testing.TB, conf string, authFiles map[string][]byte) *server.Options {
	t.Helper()
	dir := t.TempDir()
	if len(authFiles) > 0 {
		if err := os.Mkdir(filepath.Join(dir, values.AuthDir), 0o700); err != nil {
			t.Fatal(err)
		}
		for k, v := range authFiles {
			if err := os.WriteFile(filepath.Join(dir, values.AuthDir, k), v, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("nats-server refuses the config: %v\n%s", err, conf)
	}
	opts.NoLog, opts.NoSigs = true, true
	return opts
}

// StartNATS runs a nats-server with opts until the test ends.
func StartNATS(t testing.TB, opts *server.Options) *server.Server {
	t.Helper()
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready for connections")
	}
	return s
}

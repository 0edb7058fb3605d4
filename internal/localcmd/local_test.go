package localcmd_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-operator/nats-operator/internal/localcmd"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// syncBuffer is a bytes.Buffer that Local writes to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr is a loopback address nothing listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func get(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// TestLocalServesAndPrintsTheOperatorEndpoints is `make run` without a
// cluster: the operator's metrics and health endpoints stay on, and the
// output says where they are.
func TestLocalServesAndPrintsTheOperatorEndpoints(t *testing.T) {
	testutil.Integration(t)
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run with make test")
	}
	metrics, probe := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- localcmd.Local(ctx, []string{"--dir", t.TempDir(), "--metrics-bind-address", metrics, "--health-probe-bind-address", probe},
			testutil.RepoFS(), &out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("local: %v", err)
		}
	}()
	testutil.Eventually(t, 2*time.Minute, func(context.Context) error {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("local ended early: %v\n%s", err, out.String())
		default:
		}
		if !strings.Contains(out.String(), "operator running") {
			return fmt.Errorf("local not running yet:\n%s", out.String())
		}
		return nil
	})
	for _, want := range []string{"http://" + metrics + "/metrics", "http://" + probe + "/healthz"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output does not say %s:\n%s", want, out.String())
		}
	}
	checks := []struct{ url, body string }{
		{"http://" + metrics + "/metrics", "controller_runtime_reconcile_total"},
		{"http://" + probe + "/healthz", "ok"},
		{"http://" + probe + "/readyz", "ok"},
	}
	for _, c := range checks {
		code, body, err := get(ctx, c.url)
		if err != nil || code != http.StatusOK || !strings.Contains(body, c.body) {
			t.Errorf("GET %s: %d %v, body lacks %q", c.url, code, err, c.body)
		}
	}
}

// Package scale_test measures, on a real API server, what the operator does
// per change: how many times the Helm reconciler runs, which requests the
// API server rejects with a conflict and what the operator logs. Each test
// runs its own operator, watching only its own namespace, so the counts are
// its alone.
package scale_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/procmetrics"
	"github.com/nats-operator/nats-operator/internal/status"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var (
	cp      *testutil.ControlPlane
	logPath string
)

func TestMain(m *testing.M) {
	// The operator's log goes to a file the tests read back.
	logPath = os.Getenv("NATS_OPERATOR_TEST_LOG")
	if logPath == "" {
		dir, err := os.MkdirTemp("", "scaletest")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		logPath = filepath.Join(dir, "operator.log")
		_ = os.Setenv("NATS_OPERATOR_TEST_LOG", logPath)
	}
	os.Exit(testutil.RunIntegration(m, &cp, nil))
}

const (
	timeout        = 60 * time.Second
	helmController = "natscluster-controller"
)

// conflictCounter is the operator's http.RoundTripper: it records every
// request the API server answered with 409 Conflict, and counts the
// requests for OpenAPI documents.
type conflictCounter struct {
	next    http.RoundTripper
	mu      sync.Mutex
	seen    []string
	openAPI int
	writes  []string
}

func (c *conflictCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.HasPrefix(req.URL.Path, "/openapi/") {
		c.openAPI++
	}
	if req.Method != http.MethodGet {
		c.writes = append(c.writes, req.Method+" "+req.URL.Path)
	}
	if err == nil && resp.StatusCode == http.StatusConflict {
		c.seen = append(c.seen, req.Method+" "+req.URL.Path)
	}
	return resp, err
}

// takeWrites returns the operator's writes since the last call.
func (c *conflictCounter) takeWrites() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.writes
	c.writes = nil
	return w
}

// openAPIRequests is how many OpenAPI documents the operator fetched.
func (c *conflictCounter) openAPIRequests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.openAPI
}

func (c *conflictCounter) conflicts() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// observedOperator is an operator started for one test, and what it did.
type observedOperator struct {
	ns        string
	api       *conflictCounter
	logOffset int64
}

// startOperator runs an operator that watches only a fresh namespace,
// through a conflict-counting transport.
func startOperator(t *testing.T, prefix string) *observedOperator {
	t.Helper()
	testutil.Integration(t)
	o := &observedOperator{ns: cp.Namespace(t, prefix), api: &conflictCounter{}}
	if fi, err := os.Stat(logPath); err == nil {
		o.logOffset = fi.Size()
	}
	cfg := rest.CopyConfig(cp.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		o.api.next = rt
		return o.api
	})
	(&testutil.ControlPlane{Config: cfg, Client: cp.Client}).StartOperator(t, operator.Options{WatchNamespaces: []string{o.ns}})
	return o
}

// conflictLogLines are the operator's log lines that report a conflict.
func (o *observedOperator) conflictLogLines(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(raw[min(o.logOffset, int64(len(raw))):]), "\n") {
		if strings.Contains(line, "the object has been modified") || strings.Contains(line, "Conflict") {
			out = append(out, line)
		}
	}
	return out
}

// assertNoConflicts fails the test if the API server answered any of the
// operator's requests with 409 or the operator logged a conflict.
func (o *observedOperator) assertNoConflicts(t *testing.T) {
	t.Helper()
	if c := o.api.conflicts(); len(c) > 0 {
		t.Errorf("the API server answered %d requests with 409 Conflict: %v", len(c), c)
	}
	if lines := o.conflictLogLines(t); len(lines) > 0 {
		t.Errorf("the operator logged %d conflicts, first: %s", len(lines), lines[0])
	}
}

// metricSum adds up a controller-runtime metric of one controller.
func metricSum(t *testing.T, name, controllerName string) float64 {
	t.Helper()
	sum, err := procmetrics.Sum(name, controllerName)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// helmReconciles is how many reconciles the Helm reconciler has finished,
// in this process.
func helmReconciles(t *testing.T) int {
	return int(metricSum(t, "controller_runtime_reconcile_total", helmController))
}

// waitIdle waits until the Helm reconciler has nothing queued or running
// and its reconcile count has stayed the same over a few polls, and
// returns that count.
func waitIdle(t *testing.T) int {
	t.Helper()
	last, stable := -1, 0
	testutil.Eventually(t, timeout, func(context.Context) error {
		n := helmReconciles(t)
		busy := metricSum(t, "workqueue_depth", helmController) + metricSum(t, "controller_runtime_active_workers", helmController)
		if n != last || busy > 0 {
			last, stable = n, 0
			return fmt.Errorf("helm reconciler busy: %d reconciles, %v queued or running", n, busy)
		}
		if stable++; stable < 10 {
			return fmt.Errorf("waiting for the count to settle")
		}
		return nil
	})
	return last
}

// newCluster is a NatsCluster of size 3 named name in ns.
func newCluster(ns, name string) *natsv1alpha2.NatsCluster {
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	nc.Spec.Size = ptr.To[int32](3)
	return nc
}

func waitCondition(t *testing.T, nc client.Object, typ string, want metav1.ConditionStatus) {
	t.Helper()
	cp.WaitCondition(t, client.ObjectKeyFromObject(nc), typ, want)
}

// waitReadyMessage waits until the Ready condition says msg ("0/5").
func waitReadyMessage(t *testing.T, nc client.Object, msg string) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var got natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &got); err != nil {
			return err
		}
		if c := status.Find(got.Status.Conditions, natsv1alpha2.ConditionReady); c == nil || c.Message != msg {
			return fmt.Errorf("Ready is %+v, want message %s", c, msg)
		}
		return nil
	})
}

package installmodes_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// logLines is a logger that keeps every line, for tests of what a person
// reads in the operator's log.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logger() logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, prefix+" "+args)
	}, funcr.Options{})
}

// testLogger logs to the test's output.
func testLogger(t *testing.T) logr.Logger {
	return funcr.New(func(prefix, args string) { t.Log(prefix, args) }, funcr.Options{})
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// TestStartupReportsTheScopeAndIgnoredClusters: a namespace-scoped operator
// says at start-up which namespaces it watches and, when it may list
// NatsClusters cluster-wide, names the ones it will ignore; with only
// namespaced RBAC (the API server refuses the list) it says it cannot tell.
// A cluster-scoped operator says it watches every namespace.
func TestStartupReportsTheScopeAndIgnoredClusters(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	nsA, nsB := cp.Namespace(t, "scope-watched"), cp.Namespace(t, "scope-other")
	createCluster(t, nsB, "forgotten")

	t.Run("cluster-wide list allowed", func(t *testing.T) {
		var log logLines
		cli.ReportScope(ctx, log.logger(), cp.Client, []string{nsA})
		out := log.String()
		for _, want := range []string{nsA, nsB + "/forgotten", "WATCH_NAMESPACE", "ignored"} {
			if !strings.Contains(out, want) {
				t.Errorf("start-up log lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("namespaced RBAC only", func(t *testing.T) {
		cfg := rest.CopyConfig(cp.Config)
		cfg.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + nsA + ":nats-operator"}
		scheme, err := operator.NewScheme()
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			t.Fatal(err)
		}
		var log logLines
		cli.ReportScope(ctx, log.logger(), c, []string{nsA})
		out := log.String()
		if !strings.Contains(out, nsA) || !strings.Contains(out, "cannot list NatsClusters outside the watched namespaces") {
			t.Errorf("start-up log does not name the scope and the missing permission:\n%s", out)
		}
		if strings.Contains(out, `"level"=1`) || strings.Contains(out, "error") {
			t.Errorf("a forbidden list is expected, not an error:\n%s", out)
		}
	})
	t.Run("every namespace", func(t *testing.T) {
		var log logLines
		cli.ReportScope(ctx, log.logger(), cp.Client, nil)
		if out := log.String(); !strings.Contains(out, "every namespace") || strings.Contains(out, "forgotten") {
			t.Errorf("start-up log of a cluster-scoped operator:\n%s", out)
		}
	})
}

// TestWatchedNamespaceCreatedLater: WATCH_NAMESPACE may name a namespace
// that does not exist yet (an overlay written before the team's namespace):
// with the install's cluster-wide rights the operator starts, reconciles
// the namespaces that exist, and the NatsClusters of the new one once it is
// created.
func TestWatchedNamespaceCreatedLater(t *testing.T) {
	testutil.Integration(t)
	nsA := cp.Namespace(t, "now")
	later := "later-" + rand.String(5)
	cp.StartOperator(t, operator.Options{WatchNamespaces: []string{nsA, later}})
	waitReconciled(t, createCluster(t, nsA, "first"))

	if err := cp.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: later}}); err != nil {
		t.Fatal(err)
	}
	waitReconciled(t, createCluster(t, later, "second"))
}

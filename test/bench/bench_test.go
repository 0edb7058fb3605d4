// Package bench_test reproduces the table of issue 9 on a real API server:
// the operator runs as its own process and the Helm SDK installs the same
// chart with the same values beside it, interleaved. `make bench` runs it
// (NATS_OPERATOR_BENCH=1); `go test ./...` skips it. docs/benchmarks.md
// explains the method and keeps the results.
package bench_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/operator"
)

// The namespaces of a run: the operator watches the first two, Helm
// installs into the third, which the operator does not see.
const (
	operatorNS = "bench-op"
	noiseNS    = "bench-noise" // the unrelated Secrets
	helmNS     = "bench-helm"
)

// bench is one run: the control plane, the operator process, the Helm SDK
// and the instruments that watch them.
type bench struct {
	cfg      config
	cp       *controlPlane
	admin    client.Client
	op       *operatorProcess
	helm     *helmSDK
	children *childTracker
	audit    *auditLog
	binary   string // the operator's
	clusters int    // NatsClusters the operator manages so far
}

// TestBench measures every row of the table, prints it and fails when a
// goal is missed.
func TestBench(t *testing.T) {
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.enabled {
		t.Skip("the scale benchmark runs with `make bench` (NATS_OPERATOR_BENCH=1)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var r report
	r.started = time.Now()
	b := setUp(ctx, t, cfg)

	r.phase("start")
	r.add(b.startupMemory())
	r.phase("create")
	create := b.createPhase(ctx, t)
	r.add(create.rows()...)
	r.phase("change")
	r.add(b.changePhase(ctx, t, create.names).rows()...)
	r.phase("tokens")
	r.add(b.tokenPhase(ctx, t))
	r.phase("burst")
	r.add(b.bulkPhase(ctx, t, "b", cfg.burst).rows(false)...)
	if cfg.scale > 0 {
		r.phase("scale")
		r.add(b.bulkPhase(ctx, t, "s", cfg.scale).rows(true)...)
	} else {
		r.add(infoRow("1,000 CRs", "not run (BENCH_N=0, e.g. BENCH_QUICK=1)"))
	}
	r.phase("idle")
	r.add(b.idlePhase(ctx, t)...)
	r.add(b.conflictRow(t))

	var out bytes.Buffer
	r.write(&out, b.cfg, b.apiServerVersion(), b.binary)
	fmt.Print("\n" + out.String())
	if err := os.WriteFile(filepath.Join(b.cfg.dir, "results.md"), out.Bytes(), 0o644); err != nil {
		t.Error(err)
	}
	for _, m := range r.missed() {
		t.Errorf("goal missed: %s", m)
	}
}

// setUp starts everything a run needs, in order: control plane, the
// namespaces and unrelated Secrets, the watches that time the children,
// the Helm SDK and the operator process.
func setUp(ctx context.Context, t *testing.T, cfg config) *bench {
	t.Helper()
	if cfg.dir == "" {
		var err error
		if cfg.dir, err = os.MkdirTemp("", "nats-operator-bench-"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(cfg.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("audit log, kubeconfigs, operator log and results in %s", cfg.dir)
	bin, err := buildOperator(ctx, cfg.operator, cfg.dir)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.operator == "" {
		// 150 MB per run; the logs and results stay.
		t.Cleanup(func() { _ = os.Remove(bin) })
	}
	b := &bench{cfg: cfg, binary: bin}
	if b.cp, err = startControlPlane(cfg.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.cp.stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	b.audit = newAuditLog(b.cp.auditLog)
	scheme, err := operator.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	if b.admin, err = client.New(b.cp.admin, client.Options{Scheme: scheme}); err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{operatorNS, noiseNS, helmNS} {
		if err := b.admin.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	b.createUnrelatedSecrets(ctx, t)
	if b.children, err = startChildTracker(ctx, b.cp.admin, operatorNS, helmNS); err != nil {
		t.Fatal(err)
	}
	if b.helm, err = newHelmSDK(b.cp.helmKubeconfig, helmNS, filepath.Join(cfg.dir, "helm-cache"), b.admin); err != nil {
		t.Fatal(err)
	}
	if b.op, err = startOperator(bin, b.cp.operatorKubeconfig, operatorNS+","+noiseNS, cfg.dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.op.stop(); err != nil {
			t.Errorf("stopping the operator: %v", err)
		}
	})
	if _, err := b.op.settle(ctx, time.Now(), cfg.quiet, cfg.timeout); err != nil {
		t.Fatal(err)
	}
	return b
}

// unrelatedSecretBytes is the payload of each unrelated Secret, about a
// certificate and key: big enough that caching them would show in RSS.
const unrelatedSecretBytes = 4 << 10

// createUnrelatedSecrets fills the watched noise namespace with Secrets
// the operator has no business caching.
func (b *bench) createUnrelatedSecrets(ctx context.Context, t *testing.T) {
	t.Helper()
	payload := bytes.Repeat([]byte("x"), unrelatedSecretBytes)
	start := time.Now()
	err := parallel(ctx, b.cfg.secrets, 16, func(ctx context.Context, i int) error {
		return b.admin.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%05d", i), Namespace: noiseNS},
			Data:       map[string][]byte{"tls.key": payload},
		})
	})
	if err != nil {
		t.Fatalf("creating %d unrelated Secrets: %v", b.cfg.secrets, err)
	}
	progress("%d unrelated Secrets created in %s", b.cfg.secrets, secs(time.Since(start)))
}

// startupMemory is the operator's footprint before it manages anything.
func (b *bench) startupMemory() row {
	m, err := b.op.memory()
	if err != nil {
		return infoRow("RSS / heap at start", err.Error())
	}
	b.heapProfile("start")
	return infoRow(fmt.Sprintf("RSS / heap at start, %d unrelated Secrets", b.cfg.secrets),
		m.String())
}

// heapProfile saves the operator's heap profile beside the results, for
// the memory rows (docs/benchmarks.md, "Profiles").
func (b *bench) heapProfile(name string) {
	path, err := b.op.saveHeapProfile(name)
	if err != nil {
		progress("no heap profile %s: %v", name, err)
		return
	}
	progress("heap profile %s", path)
}

func (b *bench) apiServerVersion() string {
	dc, err := discovery.NewDiscoveryClientForConfig(b.cp.admin)
	if err != nil {
		return "unknown"
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return "unknown"
	}
	return v.GitVersion
}

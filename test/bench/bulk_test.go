package bench_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// bulk is n NatsClusters created at once against n sequential Helm installs.
type bulk struct {
	n, clusters, secrets int
	operator, helm       time.Duration
	// The 1-minute load average as each side started: the two halves run
	// one after the other, so the machine's other tenants can favor either.
	operatorLoad, helmLoad string
	memory                 memory
	opWrites, helmWrites   auditCounts
	reconciles             float64
	byController           map[string]float64
	operatorCPU, helmCPU   float64 // seconds
	err                    error
}

// bulkPhase creates n NatsClusters at once and times them until the
// operator is idle again, then installs n releases one after another.
func (b *bench) bulkPhase(ctx context.Context, t *testing.T, prefix string, n int) bulk {
	r := bulk{n: n, secrets: b.cfg.secrets}
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%04d", prefix, i)
	}
	before := b.counts(t)
	r.operatorLoad, _, _ = strings.Cut(loadAverage(), " ")
	r.operator, r.err = b.operatorBulk(ctx, names)
	r.clusters = b.clusters
	// Memory is worth knowing even when the operator never settled.
	var memErr error
	if r.memory, memErr = b.op.memory(); r.err == nil {
		r.err = memErr
	}
	b.heapProfile(fmt.Sprintf("%d-crs", r.clusters))
	if r.err != nil {
		return r
	}
	progress("%d NatsClusters settled in %s", n, secs(r.operator))
	mid := b.counts(t)
	r.helmLoad, _, _ = strings.Cut(loadAverage(), " ")
	if r.helm, r.err = b.helmBulk(ctx, names); r.err != nil {
		return r
	}
	progress("%d Helm installs took %s", n, secs(r.helm))
	after := b.counts(t)
	r.opWrites, r.reconciles = mid.operator.minus(before.operator), mid.reconciles-before.reconciles
	r.byController = reconcilesSince(mid, before)
	r.operatorCPU, r.helmCPU = mid.operatorCPU-before.operatorCPU, after.helmCPU-mid.helmCPU
	r.helmWrites = after.helm.minus(mid.helm)
	return r
}

func (b *bench) operatorBulk(ctx context.Context, names []string) (time.Duration, error) {
	start := time.Now()
	err := parallel(ctx, len(names), 16, func(ctx context.Context, i int) error {
		return b.admin.Create(ctx, newCluster(operatorNS, names[i], 3))
	})
	if err != nil {
		return 0, err
	}
	b.clusters += len(names)
	last, err := b.waitAllChildren(ctx, operatorNS, names)
	if err != nil {
		return 0, err
	}
	idle, err := b.op.settle(ctx, start, b.cfg.quiet, b.cfg.timeout)
	if err != nil {
		return 0, err
	}
	if idle.lastActivity.After(last) {
		last = idle.lastActivity
	}
	return last.Sub(start), nil
}

// helmBulk times the installs only: the values (one dry-run create each)
// are computed first.
func (b *bench) helmBulk(ctx context.Context, names []string) (time.Duration, error) {
	vals := make([]map[string]any, len(names))
	for i, name := range names {
		var err error
		if vals[i], err = b.helm.values(ctx, name, 3); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	for i, name := range names {
		if err := b.helm.install(ctx, name, vals[i]); err != nil {
			return 0, err
		}
	}
	last, err := b.waitAllChildren(ctx, helmNS, names)
	if err != nil {
		return 0, err
	}
	return last.Sub(start), nil
}

func (r bulk) rows(scale bool) []row {
	what, goal, limit := fmt.Sprintf("%d CRs at once → operator idle again", r.n), fmt.Sprintf("≤ %.1f× %d Helm installs", latencyGoal, r.n), latencyGoal
	if scale {
		what, goal, limit = fmt.Sprintf("%d CRs → operator idle again", r.n), fmt.Sprintf("settles, ≤ %.1f× %d sequential Helm installs", scaleGoal, r.n), scaleGoal
	}
	rssWhat := fmt.Sprintf("RSS / heap with %d CRs, %d unrelated Secrets", r.clusters, r.secrets)
	mem := fmt.Sprintf("%s (peak RSS so far %s)", r.memory, mib(r.memory.PeakRSS))
	memRow := infoRow(rssWhat, mem)
	if scale {
		memRow = goalRow(rssWhat, "≤ 128 MiB RSS", mem, r.memory.RSS > 0 && r.memory.RSS <= rssGoal)
	}
	if r.err != nil {
		switch {
		case r.memory.RSS > 0:
		case scale:
			memRow = missedRow(rssWhat, "≤ 128 MiB RSS", r.err)
		default:
			memRow = infoRow(rssWhat, "not measured: "+r.err.Error())
		}
		return []row{missedRow(what, goal, r.err), memRow}
	}
	x := ratio(r.operator, r.helm)
	return []row{
		goalRow(what, goal, fmt.Sprintf("%.2f× (%s at load %s vs %s at load %s)", x, secs(r.operator), r.operatorLoad, secs(r.helm), r.helmLoad), x <= limit),
		infoRow(fmt.Sprintf("writes / reconciles / CPU per CR, %d at once", r.n),
			fmt.Sprintf("%s / %s / %s (Helm install %s)", perItem(r.opWrites, r.helmWrites, r.n),
				reconcilesPerItem(r.reconciles, r.byController, r.n), cpuPer(r.operatorCPU, r.n), cpuPer(r.helmCPU, r.n))),
		memRow,
	}
}

// parallel runs fn for 0..n-1 on workers goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(context.Context, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		})
	}
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return first
}

package bench_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Goals of issue 9.
const (
	latencyGoal       = 1.2 // × Helm, create, change and 100 at once
	scaleGoal         = 1.5 // × sequential Helm installs, 1,000 CRs
	rssGoal           = 128 << 20
	writesPerCreate   = 8
	writesFloor       = 7 // 5 objects + the release record + one status write
	idleReconcileGoal = 1 // per cluster per hour
)

// sideBySide is one measured operation on both sides.
type sideBySide struct {
	operator, helm []time.Duration
	opWrites       auditCounts // the operator's requests over the phase
	helmWrites     auditCounts
	reconciles     float64
	byController   map[string]float64 // reconciles over the phase
	n              int
	names          []string
	err            error
}

func (s sideBySide) summary(what string) string {
	p50 := ratio(percentile(s.operator, 50), percentile(s.helm, 50))
	return fmt.Sprintf("%.2f× (operator p50 %s, p90 %s; Helm %s p50 %s, p90 %s; %d each)", p50,
		ms(percentile(s.operator, 50)), ms(percentile(s.operator, 90)), what,
		ms(percentile(s.helm, 50)), ms(percentile(s.helm, 90)), len(s.operator))
}

func (s sideBySide) p50Ratio() float64 {
	return ratio(percentile(s.operator, 50), percentile(s.helm, 50))
}

// createPhase creates one NatsCluster and installs one release at a time,
// alternating which goes first, and times each until all its children exist.
// The operator settles after each create, so writes and reconciles are
// counted per create.
func (b *bench) createPhase(ctx context.Context, t *testing.T) sideBySide {
	var s sideBySide
	before := b.counts(t)
	for i := range b.cfg.iterations {
		name := fmt.Sprintf("c-%03d", i)
		sides := []func() error{
			func() error { return b.operatorCreate(ctx, name, &s.operator) },
			func() error { return b.helmInstall(ctx, name, &s.helm) },
		}
		if i%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			if s.err = side(); s.err != nil {
				return s
			}
		}
		s.names = append(s.names, name)
	}
	b.finish(t, &s, before)
	return s
}

func (s sideBySide) rows() []row {
	if s.err != nil {
		return []row{missedRow("create → all children, p50", "≤ 1.2× Helm SDK", s.err)}
	}
	return []row{
		goalRow("create → all children, p50", "≤ 1.2× Helm SDK install", s.summary("install"), s.p50Ratio() <= latencyGoal),
		goalRow("writes per create (audit log)", fmt.Sprintf("≤ %d (floor %d: 5 objects + release record + 1 status write)", writesPerCreate, writesFloor),
			perItem(s.opWrites, s.helmWrites, s.n), float64(s.opWrites.Writes)/float64(s.n) <= writesPerCreate),
		infoRow("reconciles / API reads per create", fmt.Sprintf("%s / %.1f (Helm install: %.1f reads)",
			reconcilesPerItem(s.reconciles, s.byController, s.n), float64(s.opWrites.Reads)/float64(s.n), float64(s.helmWrites.Reads)/float64(s.n))),
	}
}

func (b *bench) operatorCreate(ctx context.Context, name string, into *[]time.Duration) error {
	start := time.Now()
	if err := b.admin.Create(ctx, newCluster(operatorNS, name, 3)); err != nil {
		return err
	}
	b.clusters++
	at, err := b.waitChildren(ctx, operatorNS, name)
	if err != nil {
		return err
	}
	*into = append(*into, at.Sub(start))
	_, err = b.op.settle(ctx, time.Now(), b.cfg.quiet, b.cfg.timeout)
	return err
}

func (b *bench) helmInstall(ctx context.Context, name string, into *[]time.Duration) error {
	vals, err := b.helm.values(ctx, name, 3)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := b.helm.install(ctx, name, vals); err != nil {
		return err
	}
	at, err := b.waitChildren(ctx, helmNS, name)
	if err != nil {
		return err
	}
	*into = append(*into, at.Sub(start))
	return nil
}

// changePhase scales each cluster of the create phase from 3 to 5 on both
// sides, alternating, and times each until the StatefulSet has 5 replicas.
func (b *bench) changePhase(ctx context.Context, t *testing.T, names []string) changeResult {
	var s sideBySide
	before := b.counts(t)
	for i, name := range names {
		sides := []func() error{
			func() error { return b.operatorResize(ctx, name, 5, &s.operator) },
			func() error { return b.helmUpgrade(ctx, name, 5, &s.helm) },
		}
		if i%2 == 1 {
			slices.Reverse(sides)
		}
		for _, side := range sides {
			if s.err = side(); s.err != nil {
				return changeResult(s)
			}
		}
	}
	s.n = len(names)
	b.finish(t, &s, before)
	return changeResult(s)
}

type changeResult sideBySide

func (c changeResult) rows() []row {
	s := sideBySide(c)
	if s.err != nil {
		return []row{missedRow("size 3→5 → StatefulSet updated, p50", "≤ 1.2× helm upgrade", s.err)}
	}
	if s.n == 0 {
		return []row{missedRow("size 3→5 → StatefulSet updated, p50", "≤ 1.2× helm upgrade", fmt.Errorf("no cluster from the create phase"))}
	}
	return []row{
		goalRow("size 3→5 → StatefulSet updated, p50", "≤ 1.2× helm upgrade", s.summary("upgrade"), s.p50Ratio() <= latencyGoal),
		infoRow("writes / reconciles per size change", fmt.Sprintf("%s / %s", perItem(s.opWrites, s.helmWrites, s.n),
			reconcilesPerItem(s.reconciles, s.byController, s.n))),
	}
}

func (b *bench) operatorResize(ctx context.Context, name string, size int32, into *[]time.Duration) error {
	var nc natsv1alpha2.NatsCluster
	if err := b.admin.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: name}, &nc); err != nil {
		return err
	}
	patch := client.MergeFrom(nc.DeepCopy())
	nc.Spec.Size = ptr.To(size)
	start := time.Now()
	if err := b.admin.Patch(ctx, &nc, patch); err != nil {
		return err
	}
	at, err := b.waitReplicas(ctx, operatorNS, name, size)
	if err != nil {
		return err
	}
	*into = append(*into, at.Sub(start))
	_, err = b.op.settle(ctx, time.Now(), b.cfg.quiet, b.cfg.timeout)
	return err
}

func (b *bench) helmUpgrade(ctx context.Context, name string, size int32, into *[]time.Duration) error {
	vals, err := b.helm.values(ctx, name, size)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := b.helm.upgrade(ctx, name, vals); err != nil {
		return err
	}
	at, err := b.waitReplicas(ctx, helmNS, name, size)
	if err != nil {
		return err
	}
	*into = append(*into, at.Sub(start))
	return nil
}

// bulk is n NatsClusters created at once against n sequential Helm installs.
type bulk struct {
	n, clusters, secrets int
	operator, helm       time.Duration
	memory               memory
	opWrites, helmWrites auditCounts
	reconciles           float64
	byController         map[string]float64
	err                  error
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
	r.operator, r.err = b.operatorBulk(ctx, names)
	r.clusters = b.clusters
	// Memory is worth knowing even when the operator never settled.
	var memErr error
	if r.memory, memErr = b.op.memory(); r.err == nil {
		r.err = memErr
	}
	if r.err != nil {
		return r
	}
	progress("%d NatsClusters settled in %s", n, secs(r.operator))
	mid := b.counts(t)
	if r.helm, r.err = b.helmBulk(ctx, names); r.err != nil {
		return r
	}
	progress("%d Helm installs took %s", n, secs(r.helm))
	after := b.counts(t)
	r.opWrites, r.reconciles = mid.operator.minus(before.operator), mid.reconciles-before.reconciles
	r.byController = reconcilesSince(mid, before)
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
	mem := fmt.Sprintf("%s / %s (peak RSS so far %s)", mib(r.memory.RSS), mib(r.memory.HeapInuse), mib(r.memory.PeakRSS))
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
		goalRow(what, goal, fmt.Sprintf("%.2f× (%s vs %s)", x, secs(r.operator), secs(r.helm)), x <= limit),
		infoRow(fmt.Sprintf("writes / reconciles per CR, %d at once", r.n),
			fmt.Sprintf("%s / %s", perItem(r.opWrites, r.helmWrites, r.n), reconcilesPerItem(r.reconciles, r.byController, r.n))),
		memRow,
	}
}

// idlePhase counts what the operator does while nothing changes.
func (b *bench) idlePhase(ctx context.Context, t *testing.T) []row {
	what, goal := fmt.Sprintf("idle writes / reconciles over %s", b.cfg.idle), "0 / ≤ 1 per cluster per hour"
	before := b.counts(t)
	var peak memory
	deadline := time.Now().Add(b.cfg.idle)
	for time.Now().Before(deadline) {
		if m, err := b.op.memory(); err == nil && m.RSS > peak.RSS {
			peak = m
		}
		select {
		case <-ctx.Done():
			return []row{missedRow(what, goal, ctx.Err())}
		case <-time.After(min(10*time.Second, time.Until(deadline))):
		}
	}
	after := b.counts(t)
	d := after.operator.minus(before.operator)
	rec := after.reconciles - before.reconciles
	perHour := rec / float64(max(b.clusters, 1)) / b.cfg.idle.Hours()
	return []row{
		goalRow(what, goal, fmt.Sprintf("%d (+%d Events) / %.0f = %.2f per cluster per hour, %d clusters",
			d.Writes, d.Events, rec, perHour, b.clusters), d.Writes+d.Events == 0 && perHour <= idleReconcileGoal),
		infoRow("RSS / heap while idle (highest sample)", fmt.Sprintf("%s / %s", mib(peak.RSS), mib(peak.HeapInuse))),
	}
}

// conflictRow counts the operator's rejected writes over the whole run.
func (b *bench) conflictRow(t *testing.T) row {
	c := b.counts(t)
	var on []string
	for target, n := range c.operator.ConflictsOn {
		on = append(on, fmt.Sprintf("%s %d", target, n))
	}
	slices.Sort(on)
	return goalRow("409 conflicts, whole run", "0", strings.TrimSpace(fmt.Sprintf("%d of %d writes (Helm SDK: %d) %s",
		c.operator.Conflicts, c.operator.Writes+c.operator.Events, c.helm.Conflicts, strings.Join(on, ", "))), c.operator.Conflicts == 0)
}

// counts is what both sides have done so far.
type counts struct {
	operator, helm auditCounts
	reconciles     float64
	byController   map[string]float64 // reconciles
}

func (b *bench) counts(t *testing.T) counts {
	t.Helper()
	var c counts
	var err error
	if c.operator, err = b.audit.snapshot(operatorUser); err != nil {
		t.Fatal(err)
	}
	if c.helm, err = b.audit.snapshot(helmUser); err != nil {
		t.Fatal(err)
	}
	m, err := b.op.metrics()
	if err != nil {
		t.Fatal(err)
	}
	c.reconciles = m["controller_runtime_reconcile_total"]
	c.byController = m.perController("controller_runtime_reconcile_total")
	return c
}

// finish records a phase's requests and reconciles.
func (b *bench) finish(t *testing.T, s *sideBySide, before counts) {
	after := b.counts(t)
	if s.n == 0 {
		s.n = len(s.names)
	}
	s.opWrites, s.helmWrites = after.operator.minus(before.operator), after.helm.minus(before.helm)
	s.reconciles = after.reconciles - before.reconciles
	s.byController = reconcilesSince(after, before)
}

func reconcilesSince(after, before counts) map[string]float64 {
	d := map[string]float64{}
	for c, v := range after.byController {
		if n := v - before.byController[c]; n != 0 {
			d[c] = n
		}
	}
	return d
}

// reconcilesPerItem is the reconciles per cluster, in total and per controller.
func reconcilesPerItem(total float64, byController map[string]float64, n int) string {
	var parts []string
	for c, v := range byController {
		parts = append(parts, fmt.Sprintf("%s %.1f", c, v/float64(n)))
	}
	slices.Sort(parts)
	return fmt.Sprintf("%.1f (%s)", total/float64(n), strings.Join(parts, ", "))
}

// perItem is the writes per cluster of both sides, with the operator's
// broken down by resource and verb.
func perItem(op, helm auditCounts, n int) string {
	var parts []string
	for target, count := range op.ByTarget {
		parts = append(parts, fmt.Sprintf("%s %.1f", target, float64(count)/float64(n)))
	}
	slices.Sort(parts)
	return fmt.Sprintf("%.1f (+%.1f Events; Helm SDK %.1f): %s", float64(op.Writes)/float64(n), float64(op.Events)/float64(n),
		float64(helm.Writes)/float64(n), strings.Join(parts, ", "))
}

// waitChildren waits for one cluster's children, at most the settle timeout.
func (b *bench) waitChildren(ctx context.Context, namespace, name string) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	return b.children.waitChildren(ctx, namespace, name)
}

func (b *bench) waitReplicas(ctx context.Context, namespace, name string, n int32) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	return b.children.waitReplicas(ctx, namespace, name, n)
}

// waitAllChildren waits for the children of every cluster and returns when
// the last of them appeared.
func (b *bench) waitAllChildren(ctx context.Context, namespace string, names []string) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.timeout)
	defer cancel()
	var last time.Time
	for _, name := range names {
		at, err := b.children.waitChildren(ctx, namespace, name)
		if err != nil {
			return last, err
		}
		if at.After(last) {
			last = at
		}
	}
	return last, nil
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

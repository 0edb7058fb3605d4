package bench_test

import (
	"context"
	"fmt"
	"slices"
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
	writesFloor       = 7           // 5 objects + the release record + one status write
	idleReconcileGoal = 1           // per cluster per hour
	tokenLatencyGoal  = time.Second // p99, NatsServiceRole → token Secret
)

// sideBySide is one measured operation on both sides.
type sideBySide struct {
	operator, helm []time.Duration
	opWrites       auditCounts // the operator's requests over the phase
	helmWrites     auditCounts
	reconciles     float64
	byController   map[string]float64 // reconciles over the phase
	operatorCPU    float64            // seconds over the phase
	helmCPU        float64
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
		infoRow("reconciles / API reads / CPU per create", fmt.Sprintf("%s / %.1f / %s (Helm install: %.1f reads, %s)",
			reconcilesPerItem(s.reconciles, s.byController, s.n), float64(s.opWrites.Reads)/float64(s.n),
			cpuPer(s.operatorCPU, s.n), float64(s.helmWrites.Reads)/float64(s.n), cpuPer(s.helmCPU, s.n))),
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
		infoRow("writes / reconciles / CPU per size change", fmt.Sprintf("%s / %s / %s (Helm upgrade %s)", perItem(s.opWrites, s.helmWrites, s.n),
			reconcilesPerItem(s.reconciles, s.byController, s.n), cpuPer(s.operatorCPU, s.n), cpuPer(s.helmCPU, s.n))),
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

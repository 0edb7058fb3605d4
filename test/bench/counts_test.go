package bench_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// counts is what both sides have done so far.
type counts struct {
	operator, helm auditCounts
	reconciles     float64
	byController   map[string]float64 // reconciles
	// CPU seconds: the operator's process_cpu_seconds_total, and the bench
	// process's own time inside Helm SDK calls.
	operatorCPU, helmCPU float64
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
	c.operatorCPU, c.helmCPU = m["process_cpu_seconds_total"], b.helm.cpuSeconds()
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
	s.operatorCPU, s.helmCPU = after.operatorCPU-before.operatorCPU, after.helmCPU-before.helmCPU
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

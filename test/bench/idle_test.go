package bench_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

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
		infoRow("RSS / heap while idle (highest sample)", peak.String()),
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

package bench_test

import (
	"context"
	"fmt"
	"time"
)

// pollInterval is how often the operator's metrics are read while waiting
// for it to settle; a settle time is late by at most this much.
const pollInterval = 100 * time.Millisecond

// idleness is what settle found.
type idleness struct {
	lastActivity time.Time // the last moment a reconcile ran or work was queued
	reconciles   float64   // controller_runtime_reconcile_total at that point
}

// settle waits until the operator is idle: an empty work queue, no busy
// worker and no finished reconcile for quiet. Activity before since is not
// counted, so the returned time is since when nothing happened after it.
func (p *operatorProcess) settle(ctx context.Context, since time.Time, quiet, timeout time.Duration) (idleness, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	idle := idleness{lastActivity: since, reconciles: -1}
	var last metrics
	for {
		m, err := p.metrics()
		now := time.Now()
		if err == nil {
			last = m
			busy := m["workqueue_depth"] > 0 || m["controller_runtime_active_workers"] > 0
			if busy || m["controller_runtime_reconcile_total"] != idle.reconciles {
				if idle.reconciles >= 0 || busy {
					idle.lastActivity = now
				}
				idle.reconciles = m["controller_runtime_reconcile_total"]
			}
			if !busy && now.Sub(idle.lastActivity) >= quiet {
				return idle, nil
			}
		}
		select {
		case <-ctx.Done():
			return idle, fmt.Errorf("the operator did not settle within %s: %.0f queued, %.0f workers busy, %.0f reconciles so far",
				timeout, last["workqueue_depth"], last["controller_runtime_active_workers"], last["controller_runtime_reconcile_total"])
		case <-time.After(pollInterval):
		}
	}
}

package operator

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

func TestLoadWatchesHonoursEveryField(t *testing.T) {
	dir := t.TempDir()
	chart := filepath.Join(repofs.Root(), "helm-charts", "nats-cluster")
	if err := os.Symlink(chart, filepath.Join(dir, "nats-cluster")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEAM", "messaging")
	watches := `
- group: nats.io
  version: v1alpha2
  kind: NatsCluster
  chart: nats-cluster
  watchDependentResources: false
  reconcilePeriod: 10m
  maxConcurrentReconciles: 3
  selector: {matchLabels: {tier: prod}}
  overrideValues:
    chartValues.pod.labels.team: $TEAM
    chartValues.podDisruptionBudget.maxUnavailable: '{{ add 1 1 }}'
`
	path := filepath.Join(dir, "watches.yaml")
	if err := os.WriteFile(path, []byte(watches), 0o600); err != nil {
		t.Fatal(err)
	}
	// The chart path is relative to the watches file, not to the test's directory.
	ws, err := LoadWatches(path)
	if err != nil {
		t.Fatal(err)
	}
	w := ws[0]
	if w.Chart == nil || w.Chart.Name() != "nats-cluster" {
		t.Fatalf("chart not loaded: %+v", w.Chart)
	}
	if *w.WatchDependentResources || w.ReconcilePeriod.Minutes() != 10 || *w.MaxConcurrentReconciles != 3 || w.Selector.MatchLabels["tier"] != "prod" {
		t.Errorf("watch fields lost: %+v", w)
	}
	if w.OverrideValues["chartValues.pod.labels.team"] != "messaging" || w.OverrideValues["chartValues.podDisruptionBudget.maxUnavailable"] != "2" {
		t.Errorf("overrides not expanded: %v", w.OverrideValues)
	}
	opts := helmOptions(w, nil, Policy{})
	if len(opts) < 12 {
		t.Errorf("%d reconciler options; every watch field must become one", len(opts))
	}
}

func TestLoadWatchesErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"missing chart", "- {group: nats.io, version: v1alpha2, kind: NatsCluster, chart: nowhere}", "nowhere: no such file or directory"},
		{"no entries", "[]", "has no entries"},
		{"not YAML", "- [", "watches file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadWatches(path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := LoadWatches(filepath.Join(dir, "absent.yaml")); err == nil {
		t.Errorf("a missing watches file must be an error")
	}
}

package overlay_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nats-operator/nats-operator/internal/overlay"
	"github.com/nats-operator/nats-operator/internal/values"
)

// FuzzApply: whatever a merge or patch holds, Apply refuses it naming the
// spec.chartValues key, or returns objects that decode; it never panics.
func FuzzApply(f *testing.F) {
	manifest, err := renderCluster(f, natsCluster(f, map[string]any{
		"metrics": map[string]any{"enabled": true}, "promExporter": map[string]any{"podMonitor": map[string]any{"enabled": true}},
	}))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint8(0), `{"resources": {"limits": {"cpu": "2"}}}`, `[]`)
	f.Add(uint8(1), `{"spec": {"containers": [{"name": "nats", "$patch": "delete"}]}}`, `[{"op": "add", "path": "/metadata/labels/a", "value": "b"}]`)
	f.Add(uint8(2), `{"spec": {"replicas": "x"}}`, `[{"op": "move", "from": "/spec", "path": "/status"}]`)
	f.Add(uint8(3), `{"spec": {"type": "NodePort", "ports": [{"port": 4222, "nodePort": 30000}]}}`, `[{"op": "test", "path": "/spec/ports/0/name", "value": "tcp-client"}]`)
	f.Add(uint8(5), `{"data": {"x": "y"}}`, `[{"op": "copy", "from": "/data", "path": "/binaryData"}]`)
	f.Add(uint8(7), `{"spec": {"podMetricsEndpoints": null}}`, `[{"op": "remove", "path": ""}]`)
	f.Fuzz(func(t *testing.T, which uint8, merge, patch string) {
		var m map[string]any
		var p []values.PatchOperation
		if json.Unmarshal([]byte(merge), &m) != nil || json.Unmarshal([]byte(patch), &p) != nil {
			return
		}
		var v values.ChartValues
		o := values.Override{Merge: m, Patch: p}
		switch which % 8 {
		case 0:
			v.Container = o
		case 1:
			v.PodTemplate = o
		case 2:
			v.StatefulSet = o
		case 3:
			v.Service = o
		case 4:
			v.HeadlessService = o
		case 5:
			v.ConfigMap = o
		case 6:
			v.PodDisruptionBudget.Merge, v.PodDisruptionBudget.Patch = m, p
		case 7:
			v.PromExporter.PodMonitor.Merge, v.PromExporter.PodMonitor.Patch = m, p
		}
		out, err := overlay.Apply(manifest, "nats", &v)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "spec.chartValues.") {
				t.Fatalf("refusal %q does not name the value", err)
			}
			return
		}
		objects(t, out)
	})
}

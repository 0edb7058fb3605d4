package operator

import "testing"

// TestHolds: a live object holds the desired one when every field the
// release sets is there with the same value; fields the API server or
// others added do not count, a changed or missing one does.
func TestHolds(t *testing.T) {
	want := map[string]any{
		"metadata": map[string]any{"name": "n", "labels": map[string]any{"app": "nats"}},
		"spec": map[string]any{
			"maxUnavailable": 1,
			"selector":       map[string]any{"matchLabels": map[string]any{"app": "nats"}},
		},
	}
	live := func(edit func(spec map[string]any)) map[string]any {
		spec := map[string]any{
			"maxUnavailable":             int64(1),
			"selector":                   map[string]any{"matchLabels": map[string]any{"app": "nats"}},
			"unhealthyPodEvictionPolicy": "IfHealthyBudget",
		}
		edit(spec)
		return map[string]any{
			"metadata": map[string]any{"name": "n", "uid": "u", "labels": map[string]any{"app": "nats", "extra": "x"}},
			"spec":     spec,
			"status":   map[string]any{"currentHealthy": int64(0)},
		}
	}
	for name, tt := range map[string]struct {
		live map[string]any
		want bool
	}{
		"as rendered, with defaults and status": {live(func(map[string]any) {}), true},
		"maxUnavailable edited":                 {live(func(s map[string]any) { s["maxUnavailable"] = int64(2) }), false},
		"maxUnavailable as a string":            {live(func(s map[string]any) { s["maxUnavailable"] = "1" }), false},
		"selector with another label":           {live(func(s map[string]any) { s["selector"] = map[string]any{"matchLabels": map[string]any{"app": "x"}} }), false},
		"selector removed":                      {live(func(s map[string]any) { delete(s, "selector") }), false},
	} {
		got, err := holds(tt.live, want)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: holds = %v, want %v", name, got, tt.want)
		}
	}
	lists := map[string]any{"a": []any{"x", "y"}}
	if got, _ := holds(map[string]any{"a": []any{"x", "y", "z"}}, lists); got {
		t.Error("a list with another element holds the desired one")
	}
}

package values_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/crdschema"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
	"github.com/nats-operator/nats-operator/internal/values"
)

// TestOneDefaultPerField: a field left out of a NatsCluster means one
// thing. The CRD's defaults (applied by the API server), the Go
// translation of a spec without them, and the chart's values.yaml, under
// the translation, agree on every chart value; the default server version
// is the chart's appVersion.
func TestOneDefaultPerField(t *testing.T) {
	c, err := render.LoadChart(repofs.FS(), render.ChartDir)
	if err != nil {
		t.Fatal(err)
	}
	tr := values.Translator{Defaults: c.Values}
	bare := &natsv1alpha2.NatsCluster{}
	bare.Name, bare.Namespace = "d", "ns"
	withCRDDefaults := crdDefaulted(t, bare)
	fromGo, err := tr.Values(bare)
	if err != nil {
		t.Fatal(err)
	}
	fromCRD, err := tr.Values(withCRDDefaults)
	if err != nil {
		t.Fatal(err)
	}
	if diff := leafDiff(jsonMap(t, fromGo), jsonMap(t, fromCRD)); len(diff) > 0 {
		t.Errorf("the CRD's defaults and the Go translation of a spec without them disagree on: %v", diff)
	}
	// Build's output replaces values.yaml wherever it sets a key: a key it
	// sets to another value than values.yaml's makes values.yaml's a dead
	// second default.
	built, err := values.Build(bare)
	if err != nil {
		t.Fatal(err)
	}
	chart := jsonMap(t, c.Values)
	if chart["serverVersion"] == "" {
		chart["serverVersion"] = built.Image.Tag // values.yaml: empty means image.tag
	}
	if diff := sharedLeafDiff(jsonMap(t, built), chart); len(diff) > 0 {
		t.Errorf("values.yaml and the Go translation of an empty spec disagree on: %v", diff)
	}
	if c.Metadata.AppVersion != natsv1alpha2.DefaultVersion {
		t.Errorf("Chart.yaml appVersion %q, api DefaultVersion %q", c.Metadata.AppVersion, natsv1alpha2.DefaultVersion)
	}
}

func crdDefaulted(t *testing.T, nc *natsv1alpha2.NatsCluster) *natsv1alpha2.NatsCluster {
	t.Helper()
	crd, err := os.ReadFile(filepath.Join(repofs.Root(), "config", "crd", "bases", "nats.io_natsclusters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := crdschema.Load(crd, "v1alpha2")
	if err != nil {
		t.Fatal(err)
	}
	obj := map[string]any{"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
		"metadata": map[string]any{"name": nc.Name, "namespace": nc.Namespace}}
	if err := s.Admit(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	var out natsv1alpha2.NatsCluster
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func jsonMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// leaves flattens m into dotted paths of its scalar and list values.
func leaves(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && len(sub) > 0 {
			leaves(p, sub, out)
			continue
		}
		out[p] = v
	}
}

func leafDiff(a, b map[string]any) []string {
	la, lb := map[string]any{}, map[string]any{}
	leaves("", a, la)
	leaves("", b, lb)
	var diff []string
	for p, va := range la {
		if vb, ok := lb[p]; !ok || !reflect.DeepEqual(normalized(va), normalized(vb)) {
			diff = append(diff, fmt.Sprintf("%s: %v vs %v", p, va, lb[p]))
		}
	}
	for p, vb := range lb {
		if _, ok := la[p]; !ok {
			diff = append(diff, fmt.Sprintf("%s: absent vs %v", p, vb))
		}
	}
	sort.Strings(diff)
	return diff
}

// sharedLeafDiff compares the paths both maps set.
func sharedLeafDiff(built, chart map[string]any) []string {
	lb, lc := map[string]any{}, map[string]any{}
	leaves("", built, lb)
	leaves("", chart, lc)
	var diff []string
	for p, vb := range lb {
		if vc, ok := lc[p]; ok && !reflect.DeepEqual(normalized(vb), normalized(vc)) {
			diff = append(diff, fmt.Sprintf("%s: Go %v, values.yaml %v", p, vb, vc))
		}
	}
	sort.Strings(diff)
	return diff
}

// normalized gives numbers one type and treats an empty map or list like
// none, as the chart does.
func normalized(v any) any {
	switch v := v.(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case map[string]any:
		if len(v) == 0 {
			return nil
		}
	case []any:
		if len(v) == 0 {
			return nil
		}
	}
	return v
}

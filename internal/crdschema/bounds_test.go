package crdschema_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/nats-operator/nats-operator/internal/crdschema"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

func loadSchemas(t *testing.T) map[string]*crdschema.Schema {
	t.Helper()
	out := map[string]*crdschema.Schema{}
	for kind, file := range map[string]string{"NatsCluster": "nats.io_natsclusters.yaml", "NatsServiceRole": "nats.io_natsserviceroles.yaml"} {
		raw, err := os.ReadFile(filepath.Join(repofs.Root(), "config", "crd", "bases", file))
		if err != nil {
			t.Fatal(err)
		}
		s, err := crdschema.Load(raw, "v1alpha2")
		if err != nil {
			t.Fatal(err)
		}
		out[kind] = s
	}
	return out
}

// TestAdmitEnforcesTheCRDBounds: what `render` refuses offline, with the
// message the API server gives (TestAPIServerEnforcesTheCRDBounds runs the
// same table against a real one).
func TestAdmitEnforcesTheCRDBounds(t *testing.T) {
	schemas := loadSchemas(t)
	for _, tc := range boundsCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			obj := jsonCopy(t, tc.obj)
			obj["metadata"].(map[string]any)["namespace"] = "default"
			err := schemas[obj["kind"].(string)].Admit(context.Background(), obj)
			checkVerdict(t, err, tc.wantErr)
		})
	}
}

func checkVerdict(t *testing.T, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("refused, want accepted: %v", err)
	case wantErr != "" && err == nil:
		t.Errorf("accepted, want refused with %q", wantErr)
	case wantErr != "" && !strings.Contains(err.Error(), wantErr):
		t.Errorf("refused with %v, want a message containing %q", err, wantErr)
	}
}

// jsonCopy is obj as the API server decodes it (numbers are float64 or
// int64, never int), and a copy the test may change.
func jsonCopy(t *testing.T, obj map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := utiljson.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

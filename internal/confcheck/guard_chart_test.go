package confcheck_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestGuardAcceptsTheChartsRenders: whatever the typed fields ask for, the
// real chart's render passes the guard, so the guard refuses only what
// the chart does not mean to render.
func TestGuardAcceptsTheChartsRenders(t *testing.T) {
	r, err := render.New(testutil.RepoFS())
	if err != nil {
		t.Fatal(err)
	}
	for name, u := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			manifest, err := r.Render(context.Background(), u)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			var nc natsv1alpha2.NatsCluster
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &nc); err != nil {
				t.Fatal(err)
			}
			if err := (confcheck.Guard{}).Check(manifest, &nc); err != nil {
				t.Errorf("the guard refuses the chart's own render: %v\n%s", err, manifest)
			}
		})
	}
}

// corpus is every NatsCluster of config/samples and internal/render's
// test data, and variants that turn each owned part of nats.conf on.
func corpus(t *testing.T) map[string]*unstructured.Unstructured {
	t.Helper()
	out := map[string]*unstructured.Unstructured{}
	files, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(), "config", "samples", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join(testutil.RepoRoot(), "internal", "render", "testdata", "*.yaml"))
	for _, f := range append(files, more...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			u := &unstructured.Unstructured{Object: obj}
			if u.GetKind() == "NatsCluster" {
				out[filepath.Base(f)+"/"+u.GetName()] = u
			}
		}
	}
	for name, spec := range map[string]map[string]any{
		"service accounts": {"auth": map[string]any{"enableServiceAccounts": true}},
		"route auth only":  {"auth": map[string]any{"clusterAuthSecret": "routes"}},
		"gateway with auth": {
			"gatewayConfig": map[string]any{"name": "east", "hostPort": int64(7522)},
			"auth":          map[string]any{"gatewayAuthSecret": "gw", "clientsAuthSecret": "users"},
		},
		"leafnode remotes without a listener": {"leafnodeConfig": map[string]any{"remotes": []any{map[string]any{"url": "nats://hub:7422"}}}},
		"operator without resolver":           {"operatorConfig": map[string]any{"secret": "op"}},
		"advertised gateway and leafnodes": {
			"pod":            map[string]any{"advertiseExternalIP": true},
			"gatewayConfig":  map[string]any{"name": "east", "hostPort": int64(7522)},
			"leafnodeConfig": map[string]any{"hostPort": int64(7422)},
		},
		"websocket without TLS": {"websocketConfig": map[string]any{"port": int64(8080)}},
		"single server":         {"size": int64(1)},
	} {
		spec["version"] = "2.15.2"
		out[name] = &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
			"metadata": map[string]any{"name": "variant", "namespace": "team-a"},
			"spec":     spec,
		}}
	}
	return out
}

// TestRefusedConfigNamesTheField: when nats-server refuses the generated
// nats.conf, the refusal names the NatsCluster field the user wrote (a
// typed field, or the config.merge key), shows the nats.conf line, and
// says what to change.
func TestRefusedConfigNamesTheField(t *testing.T) {
	r, err := render.New(testutil.RepoFS())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		spec map[string]any
		want []string
	}{
		{
			name: "typed field",
			spec: map[string]any{"tls": map[string]any{"serverSecret": "certs", "cipherSuites": []any{"BOGUS"}}},
			want: []string{`nats-server refuses spec.tls.cipherSuites (nats.conf key tls.cipher_suites, line `, `: "BOGUS"): unrecognized cipher BOGUS`},
		},
		{
			name: "config.merge, as the user spelled it",
			spec: map[string]any{"chartValues": map[string]any{"config": map[string]any{"merge": map[string]any{"Max_Payload": "lots"}}}},
			want: []string{`nats-server refuses spec.chartValues.config.merge.Max_Payload (nats.conf key Max_Payload, line `, `: Max_Payload: "lots")`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
				"metadata": map[string]any{"name": "refused", "namespace": "team-a"},
				"spec":     tt.spec,
			}}
			_, err := r.Render(context.Background(), u)
			if err == nil {
				t.Fatal("rendered")
			}
			for _, want := range append(tt.want, "Correct the NatsCluster field nats-server refuses") {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("the refusal does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

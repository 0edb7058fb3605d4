package cli

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFeatureGates(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    map[string]bool
		wantErr string
	}{
		{name: "empty", in: "", want: map[string]bool{}},
		{name: "cluster-scoped, as nats-operator's manifests set it", in: "ClusterScoped=true", want: map[string]bool{"ClusterScoped": true}},
		{name: "false", in: "ClusterScoped=false", want: map[string]bool{"ClusterScoped": false}},
		{name: "spaces and a trailing comma", in: " ClusterScoped = True ,", want: map[string]bool{"ClusterScoped": true}},
		{name: "numeric boolean", in: "ClusterScoped=1", want: map[string]bool{"ClusterScoped": true}},
		{name: "last one wins", in: "ClusterScoped=true,ClusterScoped=false", want: map[string]bool{"ClusterScoped": false}},
		{name: "unknown gate", in: "ClusterScoped=true,Foo=true", wantErr: `unknown feature gate "Foo" (known: ClusterScoped)`},
		{name: "gate names are case-sensitive", in: "clusterscoped=true", wantErr: `unknown feature gate "clusterscoped"`},
		{name: "no value", in: "ClusterScoped", wantErr: `feature gate "ClusterScoped": want Key=true|false`},
		{name: "not a boolean", in: "ClusterScoped=yes", wantErr: `feature gate ClusterScoped: "yes" is not a boolean`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFeatureGates(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("gates = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWatchNamespaces covers how the old and the new way of choosing the
// scope combine: WATCH_NAMESPACE as OLM and the manifests set it, and the
// ClusterScoped gate of nats-operator, which wins.
func TestWatchNamespaces(t *testing.T) {
	tests := []struct {
		name  string
		env   string
		gates map[string]bool
		want  []string // nil: every namespace
	}{
		{name: "unset: every namespace", env: "", want: nil},
		{name: "own namespace (OwnNamespace, kustomize default)", env: "nats", want: []string{"nats"}},
		{name: "comma list, blanks dropped", env: " a, b ,,c ", want: []string{"a", "b", "c"}},
		{name: "only commas: every namespace", env: ",,", want: nil},
		{name: "ClusterScoped=true overrides WATCH_NAMESPACE", env: "nats", gates: map[string]bool{"ClusterScoped": true}, want: nil},
		{name: "ClusterScoped=false keeps WATCH_NAMESPACE", env: "nats", gates: map[string]bool{"ClusterScoped": false}, want: []string{"nats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WatchNamespaces(tt.env, tt.gates); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("WatchNamespaces(%q, %v) = %#v, want %#v", tt.env, tt.gates, got, tt.want)
			}
		})
	}
}

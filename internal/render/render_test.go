package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// rendered is a render's output, by "Kind/name".
type rendered map[string]string

func renderFile(t *testing.T, path string) rendered {
	t.Helper()
	in, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return renderBytes(t, in)
}

func renderBytes(t *testing.T, in []byte) rendered {
	t.Helper()
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.RenderDocuments(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return split(t, out)
}

func split(t *testing.T, manifest string) rendered {
	t.Helper()
	docs := rendered{}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var u unstructured.Unstructured
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatal(err)
		}
		docs[u.GetKind()+"/"+u.GetName()] = doc
	}
	return docs
}

func (r rendered) decode(t *testing.T, key string, into any) {
	t.Helper()
	doc, ok := r[key]
	if !ok {
		t.Fatalf("no %s rendered; have %v", key, r.keys())
	}
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

func (r rendered) keys() []string {
	var k []string
	for key := range r {
		k = append(k, key)
	}
	return k
}

func (r rendered) natsConf(t *testing.T, name string) string {
	t.Helper()
	var cm corev1.ConfigMap
	r.decode(t, "ConfigMap/"+name+"-config", &cm)
	return cm.Data[confcheck.ConfigKey]
}

func (r rendered) natsContainer(t *testing.T, name string) (*appsv1.StatefulSet, corev1.Container) {
	t.Helper()
	var sts appsv1.StatefulSet
	r.decode(t, "StatefulSet/"+name, &sts)
	return &sts, sts.Spec.Template.Spec.Containers[0]
}

// TestSamplesRenderCompleteTopology renders every sample, including the
// versions of nats-operator's README, and checks that each gets the whole
// topology with a command and configuration its server accepts.
func TestSamplesRenderCompleteTopology(t *testing.T) {
	tests := []struct {
		file, name  string
		binary      string
		clusterName bool // cluster.name exists from 2.2
		healthz     bool // /healthz exists from 2.2
		lameDuck    bool // lame-duck mode exists from 1.3
	}{
		{"nats_v1alpha2_natscluster.yaml", "example-nats", "/nats-server", true, true, true},
		{"nats_v1alpha2_natscluster_v2_1_8.yaml", "example-nats-v2-1-8", "/nats-server", false, false, true},
		{"nats_v1alpha2_natscluster_v1_4_1.yaml", "example-nats-v1-4-1", "/gnatsd", false, false, true},
		{"nats_v1alpha2_natscluster_v1_3_0.yaml", "example-nats-v1-3-0", "/gnatsd", false, false, true},
		{"nats_v1alpha2_natscluster_v1_1_0.yaml", "example-nats-v1-1-0", "/gnatsd", false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := renderFile(t, filepath.Join(repofs.Root(), "config", "samples", tt.file))
			want := []string{
				"ConfigMap/" + tt.name + "-config", "PodDisruptionBudget/" + tt.name,
				"Service/" + tt.name, "Service/" + tt.name + "-mgmt", "StatefulSet/" + tt.name,
			}
			for _, k := range want {
				if _, ok := r[k]; !ok {
					t.Errorf("missing %s; rendered %v", k, r.keys())
				}
			}
			if len(r) != len(want) {
				t.Errorf("rendered %d objects %v, want %d", len(r), r.keys(), len(want))
			}
			sts, nats := r.natsContainer(t, tt.name)
			if nats.Command[0] != tt.binary {
				t.Errorf("command = %v, want binary %s", nats.Command, tt.binary)
			}
			if *sts.Spec.Replicas != 3 || sts.Spec.ServiceName != tt.name+"-mgmt" {
				t.Errorf("replicas %d serviceName %q", *sts.Spec.Replicas, sts.Spec.ServiceName)
			}
			conf := r.natsConf(t, tt.name)
			if got := strings.Contains(conf, `name: "`+tt.name+`"`); got != tt.clusterName {
				t.Errorf("cluster.name present = %v, want %v:\n%s", got, tt.clusterName, conf)
			}
			if got := strings.Contains(conf, "lame_duck_duration"); got != tt.lameDuck {
				t.Errorf("lame_duck_duration present = %v, want %v", got, tt.lameDuck)
			}
			if got := nats.Lifecycle != nil && nats.Lifecycle.PreStop != nil; got != tt.lameDuck {
				t.Errorf("lame-duck preStop present = %v, want %v", got, tt.lameDuck)
			}
			if got := nats.StartupProbe != nil && nats.LivenessProbe.HTTPGet.Path == "/healthz?js-enabled-only=true"; got != tt.healthz {
				t.Errorf("healthz probes = %v, want %v (liveness %+v)", got, tt.healthz, nats.LivenessProbe)
			}
			if nats.ReadinessProbe == nil || nats.LivenessProbe == nil {
				t.Errorf("readiness and liveness probes are required")
			}
		})
	}
}

func TestPodIsRestrictedAndGraceCoversLameDuck(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: ldm}
spec: {size: 2, lameDuckDurationSeconds: 120}
`))
	sts, nats := r.natsContainer(t, "ldm")
	pod := sts.Spec.Template.Spec
	// grace period 10s + lame duck 120s + 20s to shut down
	if got := *pod.TerminationGracePeriodSeconds; got != 150 {
		t.Errorf("terminationGracePeriodSeconds = %d, want 150", got)
	}
	if !strings.Contains(r.natsConf(t, "ldm"), `lame_duck_duration: "120s"`) {
		t.Errorf("nats.conf lacks lame_duck_duration 120s")
	}
	psc, csc := pod.SecurityContext, nats.SecurityContext
	if psc == nil || !*psc.RunAsNonRoot || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context not restricted: %+v", psc)
	}
	if csc == nil || *csc.AllowPrivilegeEscalation || !*csc.ReadOnlyRootFilesystem || !reflect.DeepEqual(csc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("container security context not restricted: %+v", csc)
	}
	if _, ok := sts.Spec.Template.Labels["helm.sh/chart"]; ok {
		t.Errorf("pods carry the chart version: an operator upgrade would restart every server")
	}
}

func TestPDBNeedsTwoServers(t *testing.T) {
	r := renderBytes(t, []byte(`{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"single"},"spec":{"size":1}}`))
	if _, ok := r["PodDisruptionBudget/single"]; ok {
		t.Errorf("a PDB for one server only blocks node drains")
	}
}

func TestScalingDoesNotRestartServers(t *testing.T) {
	hash := func(size int) string {
		r := renderBytes(t, fmt.Appendf(nil, `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"s"},"spec":{"size":%d}}`, size))
		sts, _ := r.natsContainer(t, "s")
		return sts.Spec.Template.Annotations["nats.io/config-hash"]
	}
	if a, b := hash(3), hash(5); a == "" || a != b {
		t.Errorf("config hash changes with size (%q vs %q): scaling would roll every server", a, b)
	}
	debug := renderBytes(t, []byte(`{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"s"},"spec":{"size":3,"natsConfig":{"debug":true}}}`))
	sts, _ := debug.natsContainer(t, "s")
	if sts.Spec.Template.Annotations["nats.io/config-hash"] == hash(3) {
		t.Errorf("config hash ignores a real config change")
	}
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in, want string }{
		{"unknown field", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"a"},"spec":{"natsConfig":{"bogus":1}}}`, `unknown field "spec.natsConfig.bogus"`},
		{"CEL: gateway TLS without gatewayConfig", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"a"},"spec":{"tls":{"gatewaySecret":"gw"}}}`, "tls.gatewaySecret requires gatewayConfig"},
		{"schema: negative size", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"a"},"spec":{"size":-1}}`, "spec.size: Invalid value: -1"},
		{"schema: lame duck below the server's minimum", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"a"},"spec":{"lameDuckDurationSeconds":10}}`, "spec.lameDuckDurationSeconds"},
		{"another kind", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`, `/v1, Kind=ConfigMap "a" is not a nats.io/v1alpha2, Kind=NatsCluster`},
		{"no name", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{}}`, "metadata.name is required"},
		{"not YAML", "a: [", "document 1"},
		{"empty", "", "no NatsCluster in input"},
		{"only a NatsServiceRole", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsServiceRole","metadata":{"name":"r"}}`, "no NatsCluster in input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.RenderDocuments(context.Background(), []byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestServiceRolesBesideClustersAreSkipped(t *testing.T) {
	r := renderBytes(t, []byte(`apiVersion: nats.io/v1alpha2
kind: NatsServiceRole
metadata: {name: nats-user, labels: {nats_cluster: c}}
spec: {permissions: {publish: ["a.>"]}}
---
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: c}
`))
	if _, ok := r["StatefulSet/c"]; !ok {
		t.Errorf("the NatsCluster after a NatsServiceRole was not rendered: %v", r.keys())
	}
}

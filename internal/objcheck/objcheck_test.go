package objcheck_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/objcheck"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

func renderEverything(t *testing.T) string {
	t.Helper()
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	cr := &unstructured.Unstructured{Object: readYAML(t, repofs.Root()+"/internal/render/testdata/everything.yaml")}
	manifest, err := r.Render(context.Background(), cr)
	if err != nil {
		t.Fatal(err)
	}
	return manifest
}

func TestManifestAcceptsWhatTheChartRenders(t *testing.T) {
	if err := objcheck.Manifest(renderEverything(t)); err != nil {
		t.Errorf("the chart's own objects are refused: %v", err)
	}
}

// TestManifestRefusesWhatTheIssueFound: the objects behind issue 8's
// findings 4(c) and 5, each refused with the object, the field and the
// API server's words.
func TestManifestRefusesWhatTheIssueFound(t *testing.T) {
	for _, tc := range []struct {
		name, manifest string
		want           []string
	}{
		{"Service named 1abc", "apiVersion: v1\nkind: Service\nmetadata: {name: 1abc}\nspec: {ports: [{port: 4222}]}\n",
			[]string{`Service "1abc" is invalid: metadata.name: Invalid value: "1abc": a DNS-1035 label must consist of lower case alphanumeric characters`}},
		{"label value of 64 characters", "apiVersion: v1\nkind: Service\nmetadata: {name: a, labels: {team: " + strings.Repeat("v", 64) + "}}\nspec: {ports: [{port: 4222}]}\n",
			[]string{`metadata.labels: Invalid value: "` + strings.Repeat("v", 64) + `": must be no more than 63 bytes`}},
		{"node selector key", statefulSet("nodeSelector: {'a/b/c': x}"),
			[]string{`StatefulSet.apps "nats" is invalid`, `spec.template.spec.nodeSelector: Invalid value: "a/b/c"`}},
		{"container port 0 and host port 70000", statefulSet("containers: [{name: nats, image: nats, ports: [{containerPort: 0, hostPort: 70000}]}]"),
			[]string{`spec.template.spec.containers[0].ports[0].containerPort: Required value`, `spec.template.spec.containers[0].ports[0].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive`}},
		{"replicas beyond int32", strings.Replace(statefulSet(""), "replicas: 3", "replicas: 2147483648", 1),
			[]string{`StatefulSet in version "v1" cannot be handled as a StatefulSet: json: cannot unmarshal number 2147483648 into Go struct field StatefulSetSpec.spec.replicas of type int32`}},
		{"annotations over 256 KiB", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, annotations: {a: " + strings.Repeat("v", 256*1024) + "}}\n",
			[]string{`metadata.annotations: Too long: may not be more than 262144 bytes`}},
		{"ConfigMap over 1 MiB", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nats-config}\ndata: {nats.conf: " + strings.Repeat("x", 1<<20+1) + "}\n",
			[]string{`ConfigMap "nats-config" is invalid: []: Too long: may not be more than 1048576 bytes`}},
		{"environment variable name", statefulSet("containers: [{name: nats, image: nats, env: [{name: 'A=B', value: x}]}]"),
			[]string{`spec.template.spec.containers[0].env[0].name: Invalid value: "A=B"`}},
		{"memory limit below the request", statefulSet("containers: [{name: nats, image: nats, resources: {limits: {memory: 1Gi}, requests: {memory: 2Gi}}}]"),
			[]string{`spec.template.spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi`}},
		{"bad quantity", statefulSet("containers: [{name: nats, image: nats, resources: {limits: {memory: 1Qi}}}]"),
			[]string{`cannot be handled as a StatefulSet`, `quantities must match the regular expression`}},
		{"toleration operator", statefulSet("tolerations: [{key: a, operator: In, value: b}]"),
			[]string{`spec.template.spec.tolerations[0].operator: Unsupported value: "In"`}},
		{"storage class", strings.Replace(statefulSet(""), "storageClassName: fast", "storageClassName: Fast_1", 1),
			[]string{`spec.volumeClaimTemplates[0].spec.storageClassName: Invalid value: "Fast_1"`}},
		{"unknown kind with a bad label", "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: a, labels: {'a b': x}}\n",
			[]string{`ServiceMonitor.monitoring.coreos.com "a" is invalid: metadata.labels: Invalid value: "a b"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := objcheck.Manifest(tc.manifest)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\nlacks %q", err, want)
				}
			}
		})
	}
}

// TestObjectSeparatesWhatPodsWouldHit: the API server admits these
// StatefulSets, but the pods and revisions its controller creates from
// them are refused, so they never run.
func TestObjectSeparatesWhatPodsWouldHit(t *testing.T) {
	for _, tc := range []struct {
		name, manifest, want string
	}{
		{"name of 53 characters", strings.Replace(statefulSet(""), "name: nats\n", "name: a"+strings.Repeat("b", 52)+"\n", 1),
			"controller-revision-hash=<name>-<hash of up to 10 characters>"},
		{"image with a trailing space", statefulSet("containers: [{name: nats, image: 'nats '}]"),
			`spec.template.spec.containers[0].image: Invalid value: "nats ": must not have leading or trailing whitespace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.manifest), &obj); err != nil {
				t.Fatal(err)
			}
			r := objcheck.Object(&unstructured.Unstructured{Object: obj})
			if r == nil || r.Refused() || len(r.Pods) == 0 {
				t.Fatalf("got %#v, want admitted with refused pods", r)
			}
			if err := objcheck.Manifest(tc.manifest); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "is admitted, but the pods its controller creates would be refused") {
				t.Errorf("Manifest: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestManifestRefusesWhatIsNotYAML(t *testing.T) {
	if err := objcheck.Manifest("kind: [\n"); err == nil || !strings.Contains(err.Error(), "rendered document 1 is not YAML") {
		t.Errorf("err = %v", err)
	}
}

// statefulSet is a minimal valid StatefulSet; podSpec, when set, replaces
// its pod spec's body.
func statefulSet(podSpec string) string {
	if podSpec == "" {
		podSpec = "containers: [{name: nats, image: nats}]"
	}
	return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: nats
spec:
  replicas: 3
  serviceName: nats-mgmt
  selector: {matchLabels: {app: nats}}
  template:
    metadata: {labels: {app: nats}}
    spec: {` + podSpec + `}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], storageClassName: fast, resources: {requests: {storage: 1Gi}}}
`
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	return obj
}

// TestRenderRefusesWhatTheAPIServerWould: `render` runs Manifest, so a
// NatsCluster the CRD admits but whose objects the API server would refuse
// (here through the schemaless pod template) fails there, naming the field.
func TestRenderRefusesWhatTheAPIServerWould(t *testing.T) {
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	cr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
		"metadata": map[string]any{"name": "nats", "namespace": "default"},
		"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"labels": map[string]any{"bad key": "x"}},
		}},
	}}
	_, err = r.Render(context.Background(), cr)
	if err == nil || !strings.Contains(err.Error(), `StatefulSet.apps "nats" is invalid: spec.template.labels: Invalid value: "bad key"`) {
		t.Errorf("err = %v, want the API server's refusal of the pod label", err)
	}
}

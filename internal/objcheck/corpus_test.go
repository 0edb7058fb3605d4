package objcheck_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// corpusSeed makes the generated corpus the same on every run.
const corpusSeed = 8

// A corpus case is one rendered object of the chart with one field changed.
type corpusCase struct {
	name string
	obj  *unstructured.Unstructured
}

// baseClusters are typical NatsClusters whose rendered objects the corpus
// mutates: every feature of the chart, the defaults, and a pod template
// with what users put there.
var baseClusters = map[string]string{
	"everything": "", // internal/render/testdata/everything.yaml
	"minimal":    "{size: 1}",
	"template": `{size: 3, pod: {antiAffinity: true, nodeSelector: {disk: ssd}, enableConfigReload: true,
  tolerations: [{key: dedicated, operator: Equal, value: nats, effect: NoSchedule}],
  resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 1Gi}},
  natsEnv: [{name: GOMEMLIMIT, value: 900MiB}], volumeMounts: [{name: extra, mountPath: /extra}]},
  template: {metadata: {labels: {team: shop}, annotations: {owner: someone}},
    spec: {serviceAccountName: nats, volumes: [{name: extra, emptyDir: {}}],
      containers: [{name: nats}, {name: sidecar, image: busybox:1.36, command: [sleep, infinity]}]}},
  jetstream: {file: {size: 1Gi}}}`,
}

// baseObjects renders the base clusters into namespace ns.
func baseObjects(t *testing.T, ns string) []*unstructured.Unstructured {
	t.Helper()
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, name := range slices.Sorted(mapsKeys(baseClusters)) {
		cr := &unstructured.Unstructured{}
		if spec := baseClusters[name]; spec == "" {
			cr.Object = readYAML(t, repofs.Root()+"/internal/render/testdata/everything.yaml")
		} else {
			var s map[string]any
			if err := yaml.Unmarshal([]byte(spec), &s); err != nil {
				t.Fatal(err)
			}
			cr.Object = map[string]any{"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster", "spec": s}
		}
		cr.SetName(name)
		cr.SetNamespace(ns)
		manifest, err := r.Render(context.Background(), cr)
		if err != nil {
			t.Fatalf("rendering %s: %v", name, err)
		}
		for _, doc := range strings.Split(manifest, "\n---\n") {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatal(err)
			}
			if len(obj) > 0 && obj["kind"] != "ServiceMonitor" { // no Prometheus Operator CRD on envtest
				out = append(out, &unstructured.Unstructured{Object: obj})
			}
		}
	}
	return out
}

// mutator changes one field of obj to v; it returns false when obj has no
// such field.
type mutator struct {
	name   string
	kinds  []string
	values []any
	apply  func(obj map[string]any, v any, rng *rand.Rand) bool
}

// corpus is every mutator applied, with each of its values, to one base
// object of each kind it fits (chosen by the seeded generator).
func corpus(t *testing.T, ns string) []corpusCase {
	t.Helper()
	rng := rand.New(rand.NewPCG(corpusSeed, corpusSeed))
	bases := baseObjects(t, ns)
	cases := make([]corpusCase, 0, 1024)
	for _, b := range bases {
		cases = append(cases, corpusCase{name: "unchanged " + describe(b), obj: b.DeepCopy()})
	}
	for _, m := range mutators() {
		kinds := m.kinds
		if len(kinds) == 0 {
			kinds = []string{"StatefulSet", "Service", "ConfigMap", "PodDisruptionBudget"}
		}
		for _, kind := range kinds {
			candidates := fitting(bases, kind)
			if len(candidates) == 0 {
				t.Fatalf("mutator %s: no base %s", m.name, kind)
			}
			for vi, v := range m.values {
				if c, ok := mutate(rng, m, vi, v, candidates); ok {
					cases = append(cases, c)
				}
			}
		}
	}
	return cases
}

// mutate applies value vi of m to the first of the shuffled candidates it
// fits.
func mutate(rng *rand.Rand, m mutator, vi int, v any, candidates []*unstructured.Unstructured) (corpusCase, bool) {
	for _, base := range shuffled(rng, candidates) {
		obj := base.DeepCopy()
		if m.apply(obj.Object, runtime.DeepCopyJSONValue(v), rng) {
			return corpusCase{name: fmt.Sprintf("%s #%d on %s", m.name, vi, describe(base)), obj: obj}, true
		}
	}
	return corpusCase{}, false
}

func describe(u *unstructured.Unstructured) string { return u.GetKind() + "/" + u.GetName() }

func fitting(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			out = append(out, o)
		}
	}
	return out
}

func shuffled(rng *rand.Rand, objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	out := slices.Clone(objs)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Value pools: valid and invalid neighbors of what the chart renders.
var (
	names = []any{"a", "nats-1", "1abc", "0", "9-a", "Nats", "nats.prod", "nats_prod", "-nats", "nats-", "", "a..b",
		strings.Repeat("a", 52), strings.Repeat("a", 53), strings.Repeat("a", 63), strings.Repeat("a", 64),
		"a." + strings.Repeat("b", 251), "a." + strings.Repeat("b", 252)}
	labelKeys = []string{"x", "team", "X_y.z", "app.kubernetes.io/part-of", "kubernetes.io/os", "-x", "x-", "a/b/c",
		"/x", "x/", "a b", "UPPER.com/x", "example.com/UPPER", strings.Repeat("k", 63), strings.Repeat("k", 64),
		strings.Repeat("p", 253) + "/k", strings.Repeat("p", 254) + "/k", "é"}
	labelValues = []string{"", "v", "V_1.2-3", "-v", "v-", "a b", "a/b", "é", strings.Repeat("v", 63), strings.Repeat("v", 64)}
	ports       = []any{int64(-1), int64(0), int64(1), int64(80), int64(65535), int64(65536), int64(2147483647), int64(2147483648), "4222", 4222.5}
	portNames   = []any{"client", "a", "tcp-client", "abcdefghijklmno", "abcdefghijklmnop", "1234", "a--b", "-ab", "ab-", "UPPER", "a_b", "a.b", ""}
	quantities  = []any{"100m", "1", "0", "-1", "1Gi", "-100Mi", "1.5", "1e3", "abc", "1Qi", int64(2), " 1Gi"}
	envNames    = []any{"A", "a.b", "1A", "A=B", "A B", "é", "$(X)", "-", ".", "..", "_", "", "\t", "a\nb", strings.Repeat("E", 300)}
)

func labelPairs() []any {
	var out []any
	for i, k := range labelKeys {
		out = append(out, map[string]any{k: labelValues[i%len(labelValues)]})
	}
	for i, v := range labelValues {
		out = append(out, map[string]any{labelKeys[i%4]: v})
	}
	return out
}

// annotationSizes are offsets from the 256 KiB limit on all annotations.
var annotationSizes = []any{int64(-1), int64(0), int64(1), int64(4096)}

func mutators() []mutator {
	return []mutator{
		{name: "metadata.name", values: names, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "metadata", "name")
		}},
		{name: "metadata.labels", values: labelPairs(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "metadata", "labels")
		}},
		{name: "metadata.annotations key", values: labelPairs(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "metadata", "annotations")
		}},
		{name: "metadata.annotations size", values: annotationSizes, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return growAnnotations(o, v.(int64), "metadata", "annotations")
		}},
		{name: "pod template annotations size", kinds: []string{"StatefulSet"}, values: annotationSizes, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return growAnnotations(o, v.(int64), "spec", "template", "metadata", "annotations")
		}},
		{name: "pod template labels", kinds: []string{"StatefulSet"}, values: labelPairs(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "spec", "template", "metadata", "labels")
		}},
		{name: "selector and pod labels", kinds: []string{"StatefulSet"}, values: labelPairs(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "spec", "selector", "matchLabels") && merge(o, runtime.DeepCopyJSONValue(v), "spec", "template", "metadata", "labels")
		}},
		{name: "service selector", kinds: []string{"Service"}, values: labelPairs(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "spec", "selector")
		}},
		{name: "pdb selector", kinds: []string{"PodDisruptionBudget"}, values: labelPairs()[:12], apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "spec", "selector", "matchLabels")
		}},
		{name: "nodeSelector", kinds: []string{"StatefulSet"}, values: labelPairs(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return merge(o, v, "spec", "template", "spec", "nodeSelector")
		}},
		{name: "replicas", kinds: []string{"StatefulSet"}, values: []any{int64(-1), int64(0), int64(3), int64(2147483647), int64(2147483648), "3", 1.5}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "replicas")
		}},
		{name: "serviceName", kinds: []string{"StatefulSet"}, values: names, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "serviceName")
		}},
		{name: "podManagementPolicy", kinds: []string{"StatefulSet"}, values: []any{"Parallel", "OrderedReady", "Sometimes", ""}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "podManagementPolicy")
		}},
		{name: "updateStrategy", kinds: []string{"StatefulSet"}, values: []any{
			map[string]any{"type": "OnDelete"}, map[string]any{"type": "Bad"},
			map[string]any{"type": "OnDelete", "rollingUpdate": map[string]any{"partition": int64(1)}},
			map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"partition": int64(-1)}},
			map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxUnavailable": "0%"}},
			map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxUnavailable": int64(2)}},
		}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "updateStrategy")
		}},
		{name: "containerPort", kinds: []string{"StatefulSet"}, values: ports, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, containerField(o, rng, "ports", "containerPort")...)
		}},
		{name: "hostPort", kinds: []string{"StatefulSet"}, values: ports[:7], apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, containerField(o, rng, "ports", "hostPort")...)
		}},
		{name: "same hostPort twice", kinds: []string{"StatefulSet"}, values: []any{int64(7522), int64(4222)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsPort(0, "hostPort")...) && set(o, v, natsPort(1, "hostPort")...)
		}},
		{name: "container port name", kinds: []string{"StatefulSet"}, values: portNames, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, containerField(o, rng, "ports", "name")...)
		}},
		{name: "container port protocol", kinds: []string{"StatefulSet"}, values: []any{"TCP", "UDP", "SCTP", "HTTP", "tcp"}, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, containerField(o, rng, "ports", "protocol")...)
		}},
		{name: "service port", kinds: []string{"Service"}, values: ports, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, listField(o, rng, []any{"spec", "ports"}, "port")...)
		}},
		{name: "service targetPort", kinds: []string{"Service"}, values: append(slices.Clone(ports[:7]), portNames...), apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, listField(o, rng, []any{"spec", "ports"}, "targetPort")...)
		}},
		{name: "service port name", kinds: []string{"Service"}, values: append(slices.Clone(portNames), "cluster", strings.Repeat("p", 64)), apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, listField(o, rng, []any{"spec", "ports"}, "name")...)
		}},
		{name: "service appProtocol", kinds: []string{"Service"}, values: []any{"tcp", "kubernetes.io/h2c", "bad proto", "-x", "example.com/" + strings.Repeat("p", 64)}, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, listField(o, rng, []any{"spec", "ports"}, "appProtocol")...)
		}},
		{name: "service protocol", kinds: []string{"Service"}, values: []any{"UDP", "HTTP"}, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, listField(o, rng, []any{"spec", "ports"}, "protocol")...)
		}},
		{name: "env name", kinds: []string{"StatefulSet"}, values: envNames, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, containerField(o, rng, "env", "name")...)
		}},
		{name: "env value and valueFrom", kinds: []string{"StatefulSet"}, values: []any{"x"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsEnv(0, "value")...)
		}},
		{name: "env fieldPath", kinds: []string{"StatefulSet"}, values: []any{"metadata.name", "metadata.labels['app']", "metadata.labels['bad key']", "spec.foo", "status.podIP", "metadata.labels"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsEnv(0, "valueFrom", "fieldRef", "fieldPath")...)
		}},
		{name: "env secretKeyRef", kinds: []string{"StatefulSet"}, values: []any{"route-user", "bad key", ""}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsEnvNamed(o, "ROUTE_USER", "valueFrom", "secretKeyRef", "key")...)
		}},
		{name: "resource limit", kinds: []string{"StatefulSet"}, values: quantities, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, natsContainer("resources", "limits", pick(rng, "cpu", "memory", "ephemeral-storage"))...)
		}},
		{name: "resource request above limit", kinds: []string{"StatefulSet"}, values: []any{"2Gi", "1Gi", "512Mi"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, "1Gi", natsContainer("resources", "limits", "memory")...) && set(o, v, natsContainer("resources", "requests", "memory")...)
		}},
		{name: "resource name", kinds: []string{"StatefulSet"}, values: []any{"cpu", "foo", "pods", "storage", "example.com/gpu", "nvidia.com/gpu", "kubernetes.io/x", "a b", "requests.cpu", "hugepages-2Mi"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, "1", natsContainer("resources", "limits", v.(string))...)
		}},
		{name: "extended resource request", kinds: []string{"StatefulSet"}, values: []any{"1", "2", "500m"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, "1", natsContainer("resources", "limits", "example.com/gpu")...) && set(o, v, natsContainer("resources", "requests", "example.com/gpu")...)
		}},
		{name: "image", kinds: []string{"StatefulSet"}, values: []any{"nats:2.15.2", " nats", "nats ", "", "nats\n", "localhost:5000/nats@sha256:" + strings.Repeat("a", 64)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("image")...)
		}},
		{name: "imagePullPolicy", kinds: []string{"StatefulSet"}, values: []any{"Always", "Sometimes", ""}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("imagePullPolicy")...)
		}},
		{name: "container name", kinds: []string{"StatefulSet"}, values: []any{"nats", "Nats", "a.b", "reloader", "sidecar", strings.Repeat("n", 64), ""}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("name")...)
		}},
		{name: "probe periodSeconds", kinds: []string{"StatefulSet"}, values: []any{int64(-1), int64(0), int64(5), int64(2147483648)}, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, natsContainer(pick(rng, "readinessProbe", "livenessProbe"), "periodSeconds")...)
		}},
		{name: "probe successThreshold", kinds: []string{"StatefulSet"}, values: []any{int64(1), int64(2)}, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, natsContainer(pick(rng, "readinessProbe", "livenessProbe"), "successThreshold")...)
		}},
		{name: "probe port", kinds: []string{"StatefulSet"}, values: append(slices.Clone(portNames), int64(0), int64(70000)), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("readinessProbe", "httpGet", "port")...)
		}},
		{name: "probe scheme", kinds: []string{"StatefulSet"}, values: []any{"HTTPS", "FTP", "https"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("readinessProbe", "httpGet", "scheme")...)
		}},
		{name: "preStop", kinds: []string{"StatefulSet"}, values: []any{
			map[string]any{"exec": map[string]any{"command": []any{}}},
			map[string]any{"sleep": map[string]any{"seconds": int64(10)}},
			map[string]any{"sleep": map[string]any{"seconds": int64(100000)}},
			map[string]any{},
		}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("lifecycle", "preStop")...)
		}},
		{name: "container runAsUser", kinds: []string{"StatefulSet"}, values: []any{int64(-1), int64(0), int64(2147483647), int64(2147483648)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("securityContext", "runAsUser")...)
		}},
		{name: "pod fsGroup", kinds: []string{"StatefulSet"}, values: []any{int64(-1), int64(1000), int64(2147483648)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "securityContext", "fsGroup")
		}},
		{name: "seccomp profile", kinds: []string{"StatefulSet"}, values: []any{"RuntimeDefault", "Bogus", "Localhost", ""}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "securityContext", "seccompProfile", "type")
		}},
		{name: "volume name", kinds: []string{"StatefulSet"}, values: append(slices.Clone(names[:10]), "pid", "config"), apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, listField(o, rng, []any{"spec", "template", "spec", "volumes"}, "name")...)
		}},
		{name: "volume mount name", kinds: []string{"StatefulSet"}, values: []any{"config", "missing", ""}, apply: func(o map[string]any, v any, rng *rand.Rand) bool {
			return set(o, v, containerField(o, rng, "volumeMounts", "name")...)
		}},
		{name: "volume mount path", kinds: []string{"StatefulSet"}, values: []any{"/etc/nats-config", "/other", ""}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("volumeMounts", 1, "mountPath")...)
		}},
		{name: "volume mount subPath", kinds: []string{"StatefulSet"}, values: []any{"sub", "../x", "/abs"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, natsContainer("volumeMounts", 0, "subPath")...)
		}},
		{name: "configMap volume", kinds: []string{"StatefulSet"}, values: []any{
			map[string]any{"name": ""}, map[string]any{"name": "x", "defaultMode": int64(512)},
			map[string]any{"name": "x", "items": []any{map[string]any{"key": "a", "path": "../a"}}},
		}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "volumes", 0, "configMap")
		}},
		{name: "two sources in a volume", kinds: []string{"StatefulSet"}, values: []any{map[string]any{}}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "volumes", 0, "emptyDir")
		}},
		{name: "tolerations", kinds: []string{"StatefulSet"}, values: tolerationCases(), apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, []any{v}, "spec", "template", "spec", "tolerations")
		}},
		{name: "anti-affinity topologyKey", kinds: []string{"StatefulSet"}, values: []any{"kubernetes.io/hostname", "", "a b", "zone"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution", 0, "topologyKey")
		}},
		{name: "serviceAccountName", kinds: []string{"StatefulSet"}, values: []any{"nats", "Nats", "a.b", strings.Repeat("s", 254)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "serviceAccountName")
		}},
		{name: "terminationGracePeriodSeconds", kinds: []string{"StatefulSet"}, values: []any{int64(-1), int64(0), int64(9223372036854775807), 9.3e18, "30"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "terminationGracePeriodSeconds")
		}},
		{name: "activeDeadlineSeconds", kinds: []string{"StatefulSet"}, values: []any{int64(10)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "activeDeadlineSeconds")
		}},
		{name: "restartPolicy", kinds: []string{"StatefulSet"}, values: []any{"Always", "Never", "Sometimes"}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "template", "spec", "restartPolicy")
		}},
		{name: "storageClassName", kinds: []string{"StatefulSet"}, values: []any{"fast", "Fast", "a_b", "a.b", "", "fast\nkind: Secret", strings.Repeat("s", 253), strings.Repeat("s", 254)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "volumeClaimTemplates", 0, "spec", "storageClassName")
		}},
		{name: "volume claim size", kinds: []string{"StatefulSet"}, values: []any{"1Gi", "0", "-1Gi", "1m", "abc", int64(1)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "volumeClaimTemplates", 0, "spec", "resources", "requests", "storage")
		}},
		{name: "volume claim access mode", kinds: []string{"StatefulSet"}, values: []any{[]any{"ReadWriteMany"}, []any{"Sometimes"}, []any{}, []any{"ReadWriteOncePod", "ReadWriteOnce"}}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "volumeClaimTemplates", 0, "spec", "accessModes")
		}},
		{name: "volume claim name", kinds: []string{"StatefulSet"}, values: []any{"data", "Data", "a.b", strings.Repeat("d", 64)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "volumeClaimTemplates", 0, "metadata", "name")
		}},
		{name: "configmap size", kinds: []string{"ConfigMap"}, values: []any{int64(-1), int64(0), int64(1), int64(100)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return growConfigMap(o, v.(int64))
		}},
		{name: "configmap key", kinds: []string{"ConfigMap"}, values: []any{"nats.conf", "a/b", "..", ".", "a b", "-_.", strings.Repeat("k", 253), strings.Repeat("k", 254)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, "x", "data", v.(string))
		}},
		{name: "pdb maxUnavailable", kinds: []string{"PodDisruptionBudget"}, values: []any{int64(0), int64(1), int64(-1), "50%", "0%", "101%", "100%", "abc", "5", 1.5}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "maxUnavailable")
		}},
		{name: "pdb minAvailable too", kinds: []string{"PodDisruptionBudget"}, values: []any{int64(1)}, apply: func(o map[string]any, v any, _ *rand.Rand) bool {
			return set(o, v, "spec", "minAvailable")
		}},
	}
}

func tolerationCases() []any {
	var out []any
	for i, op := range []string{"Equal", "Exists", "Lt", "In", ""} {
		for j, effect := range []string{"NoSchedule", "NoExecute", "Bad", ""} {
			t := map[string]any{"key": labelKeys[(i+j)%len(labelKeys)], "operator": op, "value": labelValues[(i*4+j)%len(labelValues)]}
			if effect != "" {
				t["effect"] = effect
			}
			if j%2 == 1 {
				t["tolerationSeconds"] = int64(30)
			}
			out = append(out, t)
		}
	}
	return append(out, map[string]any{"operator": "Exists"}, map[string]any{"key": "", "operator": "Equal"})
}

func pick(rng *rand.Rand, choices ...string) string { return choices[rng.IntN(len(choices))] }

// Paths into the rendered StatefulSet: its first container is NATS.

func natsContainer(rest ...any) []any {
	return append([]any{"spec", "template", "spec", "containers", 0}, rest...)
}

func natsPort(i int, rest ...any) []any { return natsContainer(append([]any{"ports", i}, rest...)...) }

func natsEnv(i int, rest ...any) []any { return natsContainer(append([]any{"env", i}, rest...)...) }

// natsEnvNamed is the path of the NATS container's variable name, or nil.
func natsEnvNamed(o map[string]any, name string, rest ...any) []any {
	env, _ := get(o, natsContainer("env")...).([]any)
	for i, e := range env {
		if m, ok := e.(map[string]any); ok && m["name"] == name {
			return natsEnv(i, rest...)
		}
	}
	return nil
}

// containerField is the path of field in a random item of list of a random
// container (init containers included), or nil.
func containerField(o map[string]any, rng *rand.Rand, list, field string) []any {
	var lists [][]any
	for _, kind := range []string{"containers", "initContainers"} {
		ctrs, _ := get(o, "spec", "template", "spec", kind).([]any)
		for i := range ctrs {
			if items, _ := get(o, "spec", "template", "spec", kind, i, list).([]any); len(items) > 0 {
				lists = append(lists, []any{"spec", "template", "spec", kind, i, list})
			}
		}
	}
	if len(lists) == 0 {
		return nil
	}
	return listField(o, rng, lists[rng.IntN(len(lists))], field)
}

// listField is the path of field in a random item of the list at path.
func listField(o map[string]any, rng *rand.Rand, path []any, field string) []any {
	items, _ := get(o, path...).([]any)
	if len(items) == 0 {
		return nil
	}
	return append(slices.Clone(path), rng.IntN(len(items)), field)
}

// growAnnotations adds an annotation that brings the total size of the
// annotations at path to the API server's limit plus offset.
func growAnnotations(o map[string]any, offset int64, path ...any) bool {
	current, _ := get(o, path...).(map[string]any)
	total := int64(0)
	for k, v := range current {
		total += int64(len(k) + len(v.(string)))
	}
	const key = "example.com/big"
	size := 256*1024 - total - int64(len(key)) + offset
	return merge(o, map[string]any{key: strings.Repeat("a", int(size))}, path...)
}

// growConfigMap pads nats.conf to the 1 MiB limit plus offset.
func growConfigMap(o map[string]any, offset int64) bool {
	data, _ := get(o, "data").(map[string]any)
	total := int64(0)
	for _, v := range data {
		total += int64(len(v.(string)))
	}
	conf, ok := data["nats.conf"].(string)
	if !ok {
		return false
	}
	pad := 1<<20 - total + offset
	data["nats.conf"] = conf + "\n#" + strings.Repeat("x", int(pad-2))
	return true
}

// get walks maps by string keys and lists by int indices.
func get(o any, path ...any) any {
	cur := o
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

// set puts v at path, creating maps on the way; a list index must exist.
func set(o map[string]any, v any, path ...any) bool {
	if len(path) == 0 {
		return false
	}
	var cur any = o
	for i, p := range path {
		last := i == len(path)-1
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if last {
				m[k] = v
				return true
			}
			if m[k] == nil {
				if _, nextIsIndex := path[i+1].(int); nextIsIndex {
					return false
				}
				m[k] = map[string]any{}
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return false
			}
			if last {
				l[k] = v
				return true
			}
			cur = l[k]
		}
	}
	return false
}

// merge adds the entries of v to the map at path.
func merge(o map[string]any, v any, path ...any) bool {
	m, ok := get(o, path...).(map[string]any)
	if !ok {
		if !set(o, map[string]any{}, path...) {
			return false
		}
		m = get(o, path...).(map[string]any)
	}
	for k, val := range v.(map[string]any) {
		m[k] = val
	}
	return true
}

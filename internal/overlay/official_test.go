package overlay_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// natsCluster is a NatsCluster with metrics and the reloader on (so every
// image the chart has is rendered) and chartValues.
func natsCluster(t testing.TB, chartValues any) *unstructured.Unstructured {
	t.Helper()
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "nats.io/v1alpha2",
		"kind":       "NatsCluster",
		"metadata":   map[string]any{"name": "nats", "namespace": "apps"},
		"spec": map[string]any{
			"size":        int64(3),
			"pod":         map[string]any{"enableMetrics": true, "enableConfigReload": true, "advertiseExternalIP": true},
			"chartValues": chartValues,
		},
	}}
}

func renderCluster(t testing.TB, u *unstructured.Unstructured) (string, error) {
	t.Helper()
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	return r.Render(context.Background(), u)
}

// objects are a render's objects by "Kind/name".
func objects(t testing.TB, manifest string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		u := unstructured.Unstructured{Object: m}
		out[u.GetKind()+"/"+u.GetName()] = m
	}
	return out
}

func typed[T any](t *testing.T, objs map[string]map[string]any, key string) *T {
	t.Helper()
	m, ok := objs[key]
	if !ok {
		t.Fatalf("the release has no %s", key)
	}
	var out T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

// TestOfficialChartValues: a values file written for the official NATS
// chart, from its documented examples, works as spec.chartValues, and the
// render shows each value applied, the guard passing the result.
func TestOfficialChartValues(t *testing.T) {
	raw, err := os.ReadFile("testdata/official-values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var chartValues map[string]any
	if err := yaml.Unmarshal(raw, &chartValues); err != nil {
		t.Fatal(err)
	}
	manifest, err := renderCluster(t, natsCluster(t, chartValues))
	if err != nil {
		t.Fatal(err)
	}
	objs := objects(t, manifest)
	sts := typed[appsv1.StatefulSet](t, objs, "StatefulSet/nats")
	pod := sts.Spec.Template
	var nats *corev1.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == "nats" {
			nats = &pod.Spec.Containers[i]
		}
	}
	if nats == nil {
		t.Fatal("no nats container")
	}

	t.Run("container.merge", func(t *testing.T) {
		if cpu := nats.Resources.Requests.Cpu().String(); cpu != "2" {
			t.Errorf("nats requests cpu = %s, want 2", cpu)
		}
		if mem := nats.Resources.Limits.Memory().String(); mem != "8Gi" {
			t.Errorf("nats limits memory = %s, want 8Gi", mem)
		}
		if len(nats.Ports) == 0 || nats.Command == nil {
			t.Errorf("the merge dropped the chart's ports or command: %+v", nats)
		}
	})
	t.Run("podTemplate.merge", func(t *testing.T) {
		if pod.Spec.PriorityClassName != "high-priority" || pod.Annotations["example.com/owner"] != "messaging" {
			t.Errorf("pod template = %+v", pod.ObjectMeta)
		}
		if c := pod.Spec.TopologySpreadConstraints; len(c) != 1 || c[0].TopologyKey != "kubernetes.io/hostname" || c[0].MaxSkew != 1 {
			t.Errorf("topologySpreadConstraints = %+v", c)
		}
		if len(pod.Spec.Containers) < 3 {
			t.Errorf("the merge dropped the sidecars: %d containers", len(pod.Spec.Containers))
		}
	})
	t.Run("statefulSet.patch", func(t *testing.T) {
		if sts.Spec.MinReadySeconds != 10 || sts.Annotations["example.com/backup"] != "daily" {
			t.Errorf("minReadySeconds = %d, annotations = %v", sts.Spec.MinReadySeconds, sts.Annotations)
		}
	})
	t.Run("service.merge.spec.type", func(t *testing.T) {
		svc := typed[corev1.Service](t, objs, "Service/nats")
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || svc.Annotations["service.beta.kubernetes.io/aws-load-balancer-type"] != "nlb" {
			t.Errorf("client Service type = %s, annotations %v", svc.Spec.Type, svc.Annotations)
		}
		if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "tcp-client" || svc.Spec.Ports[0].Port != 4222 {
			t.Errorf("client Service ports = %+v, want tcp-client 4222 as before", svc.Spec.Ports)
		}
	})
	t.Run("headlessService configMap podDisruptionBudget", func(t *testing.T) {
		mgmt := typed[corev1.Service](t, objs, "Service/nats-mgmt")
		if mgmt.Labels["example.com/scrape"] != "true" || mgmt.Spec.ClusterIP != corev1.ClusterIPNone {
			t.Errorf("headless Service = %+v", mgmt.ObjectMeta)
		}
		if cm := typed[corev1.ConfigMap](t, objs, "ConfigMap/nats-config"); cm.Annotations["example.com/config"] != "nats" {
			t.Errorf("ConfigMap annotations = %v", cm.Annotations)
		}
		if pdb := typed[policyv1.PodDisruptionBudget](t, objs, "PodDisruptionBudget/nats"); pdb.Annotations["example.com/pdb"] != "nats" {
			t.Errorf("PodDisruptionBudget annotations = %v", pdb.Annotations)
		}
	})
	t.Run("global.image.registry", func(t *testing.T) {
		images := map[string]string{}
		for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
			images[c.Name] = c.Image
		}
		for name, want := range map[string]string{
			"nats":     "registry.example.com/nats:2.15.2",
			"reloader": "registry.example.com/natsio/nats-server-config-reloader:0.23.0",
			"metrics":  "registry.example.com/natsio/prometheus-nats-exporter:0.20.1",
			// The operator's own image names its registry already.
			"bootconfig": "ghcr.io/nats-operator/nats-operator:0.1.0",
		} {
			if images[name] != want {
				t.Errorf("container %s image = %q, want %q", name, images[name], want)
			}
		}
		if len(pod.Spec.ImagePullSecrets) != 1 || pod.Spec.ImagePullSecrets[0].Name != "regcred" {
			t.Errorf("imagePullSecrets = %v", pod.Spec.ImagePullSecrets)
		}
	})
	t.Run("global.labels", func(t *testing.T) {
		for key, m := range objs {
			u := unstructured.Unstructured{Object: m}
			if u.GetLabels()["team"] != "messaging" {
				t.Errorf("%s labels = %v, want team=messaging", key, u.GetLabels())
			}
		}
		if pod.Labels["team"] != "messaging" || pod.Labels["app"] != "nats" || sts.Spec.Selector.MatchLabels["team"] != "" {
			t.Errorf("pod labels = %v, selector %v", pod.Labels, sts.Spec.Selector.MatchLabels)
		}
	})
	t.Run("config.merge", func(t *testing.T) {
		conf := typed[corev1.ConfigMap](t, objs, "ConfigMap/nats-config").Data["nats.conf"]
		if !strings.Contains(conf, "max_payload: 8MB") || !strings.Contains(conf, `write_deadline: "2s"`) {
			t.Errorf("nats.conf lacks config.merge:\n%s", conf)
		}
	})
	t.Run("promExporter.podMonitor", func(t *testing.T) {
		pm, ok := objs["PodMonitor/nats"]
		if !ok {
			t.Fatal("no PodMonitor")
		}
		endpoints, _, _ := unstructured.NestedSlice(pm, "spec", "podMetricsEndpoints")
		if len(endpoints) != 1 || endpoints[0].(map[string]any)["port"] != "metrics" || endpoints[0].(map[string]any)["interval"] != "15s" {
			t.Errorf("podMetricsEndpoints = %v", endpoints)
		}
		selector, _, _ := unstructured.NestedStringMap(pm, "spec", "selector", "matchLabels")
		if selector["app"] != "nats" || selector["nats_cluster"] != "nats" {
			t.Errorf("selector = %v, want the pods'", selector)
		}
	})
}

// TestOfficialChartValuesThatDoNotCarryOver: values of the official chart
// this chart has no counterpart for are refused, naming the value and
// where to look, rather than ignored.
func TestOfficialChartValuesThatDoNotCarryOver(t *testing.T) {
	for _, tt := range []struct{ values, want string }{
		{`{"config": {"cluster": {"enabled": true, "replicas": 3}}}`, "spec.chartValues.config.cluster"},
		{`{"config": {"jetstream": {"enabled": true}}}`, "spec.chartValues.config.jetstream"},
		{`{"container": {"env": {"GOMEMLIMIT": "7GiB"}}}`, "spec.chartValues.container.env"},
		{`{"container": {"image": {"tag": "2.12.1-alpine"}}}`, "spec.chartValues.container.image"},
		{`{"podTemplate": {"topologySpreadConstraints": {"kubernetes.io/hostname": {"maxSkew": 1}}}}`, "spec.chartValues.podTemplate.topologySpreadConstraints"},
		{`{"promExporter": {"enabled": true}}`, "spec.chartValues.promExporter.enabled"},
		{`{"statefulSet": {"name": "my-nats"}}`, "spec.chartValues.statefulSet.name"},
		{`{"headlessService": {"name": "nats-headless"}}`, "spec.chartValues.headlessService.name"},
		{`{"natsBox": {"enabled": false}}`, "spec.chartValues.natsBox"},
		{`{"serviceAccount": {"enabled": true}}`, "spec.chartValues.serviceAccount"},
		{`{"extraResources": [{"kind": "Secret"}]}`, "spec.chartValues.extraResources"},
		{`{"service": {"ports": {"websocket": {"enabled": true}}}}`, "spec.chartValues.service.ports"},
		{`{"global": {"image": {"pullPolicy": "Always"}}}`, "spec.chartValues.global.image.pullPolicy"},
	} {
		var v any
		if err := json.Unmarshal([]byte(tt.values), &v); err != nil {
			t.Fatal(err)
		}
		_, err := renderCluster(t, natsCluster(t, v))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to name %s", tt.values, err, tt.want)
		}
	}
}

// TestOverridesAreRefusedByName: an override that does not apply, or
// that breaks what the guard holds, is refused with its key.
func TestOverridesAreRefusedByName(t *testing.T) {
	for _, tt := range []struct{ values, want string }{
		{`{"statefulSet": {"patch": [{"op": "add", "path": "/spec/minReadySeconds", "value": 5}, {"op": "test", "path": "/spec/replicas", "value": 3}, {"op": "remove", "path": "/spec/nothing"}]}}`,
			"spec.chartValues.statefulSet.patch[2]"},
		{`{"statefulSet": {"patch": [{"op": "delete", "path": "/spec"}]}}`, "statefulSet.patch[0].op"},
		{`{"service": {"patch": [{"op": "add", "path": "spec/type", "value": "NodePort"}]}}`, "service.patch[0].path"},
		{`{"container": {"merge": {"command": ["nats-server", "-c", "/tmp/other.conf"]}}}`, "command is not the chart's"},
		{`{"configMap": {"merge": {"data": {"nats.conf": "authorization { token: x }"}}}}`, "spec.chartValues.configMap: changes data.nats.conf"},
		{`{"configMap": {"patch": [{"op": "remove", "path": "/data/nats.conf"}]}}`, "spec.chartValues.configMap: changes data.nats.conf"},
		{`{"podTemplate": {"merge": {"metadata": {"namespace": "elsewhere"}}}, "statefulSet": {"merge": {"metadata": {"namespace": "elsewhere"}}}}`, "namespace"},
		{`{"global": {"labels": {"bad key!": "x"}}}`, "global.labels"},
		{`{"service": {"merge": {"spec": {"externalIPs": ["10.0.0.1"]}}}}`, "spec.chartValues.service: changes spec.externalIPs"},
		{`{"service": {"merge": {"spec": {"type": "ExternalName", "externalName": "example.com"}}}}`, "spec.chartValues.service: changes spec.externalName"},
		{`{"headlessService": {"merge": {"spec": {"selector": {"app": "other"}}}}}`, "spec.chartValues.headlessService: changes spec.selector"},
		{`{"statefulSet": {"patch": [{"op": "replace", "path": "/spec/selector/matchLabels", "value": {"app": "other"}}]}}`, "spec.chartValues.statefulSet: changes spec.selector"},
		{`{"metrics": {"enabled": true}, "promExporter": {"podMonitor": {"enabled": true, "merge": {"spec": {"namespaceSelector": {"any": true}}}}}}`, "spec.chartValues.promExporter.podMonitor: changes spec.namespaceSelector"},
		{`{"statefulSet": {"patch": [` + strings.Repeat(`{"op": "test", "path": "/kind", "value": "StatefulSet"},`, 64) + `{"op": "test", "path": "/kind", "value": "StatefulSet"}]}}`, "statefulSet.patch: 65 operations"},
	} {
		var v any
		if err := json.Unmarshal([]byte(tt.values), &v); err != nil {
			t.Fatal(err)
		}
		_, err := renderCluster(t, natsCluster(t, v))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to name %s", tt.values, err, tt.want)
		}
	}
}

// TestNodePortKeepsThePortNames: a NodePort client Service with an
// explicit nodePort merges into the chart's port by its number.
func TestNodePortKeepsThePortNames(t *testing.T) {
	var v any
	if err := json.Unmarshal([]byte(`{"service": {"merge": {"spec": {"type": "NodePort", "ports": [{"port": 4222, "nodePort": 30422}]}}}}`), &v); err != nil {
		t.Fatal(err)
	}
	manifest, err := renderCluster(t, natsCluster(t, v))
	if err != nil {
		t.Fatal(err)
	}
	svc := typed[corev1.Service](t, objects(t, manifest), "Service/nats")
	if svc.Spec.Type != corev1.ServiceTypeNodePort || len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service = %+v", svc.Spec)
	}
	if p := svc.Spec.Ports[0]; p.Name != "tcp-client" || p.NodePort != 30422 || p.TargetPort.String() != "client" {
		t.Errorf("port = %+v, want tcp-client with nodePort 30422", p)
	}
}

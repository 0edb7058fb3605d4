// Package overlay applies the official NATS chart's per-object overrides
// (statefulSet.merge, service.patch, …) and its global values to a
// rendered release. It runs in Go, after the chart and before the
// post-render guard (internal/confcheck), so whatever an override changes
// is still held to the guard's rules; internal/render calls it the same
// way, so `render` shows what the operator applies.
//
// merge is a Kubernetes strategic merge patch with the object's Go type
// (containers, ports and the other named lists merge by their key, so a
// merge keeps the chart's port names); patch is RFC 6902 JSON Patch,
// applied after merge. The official chart nests the container in the pod
// template in the StatefulSet, and so do the overrides here.
package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/values"
)

// natsContainer is the NATS server's container in the chart's pod.
const natsContainer = "nats"

// target is the object a values key overrides, and the Go type its
// strategic merge follows (nil: the object has no Go type here, a JSON
// merge patch applies).
type target struct {
	kind, name string
	schema     any
}

// targets maps each override to the object the chart renders for a
// NatsCluster named name. The container and the pod template live in the
// StatefulSet and are handled there.
func targets(name string) map[string]target {
	return map[string]target{
		"statefulSet":             {"StatefulSet", name, &appsv1.StatefulSet{}},
		"service":                 {"Service", name, &corev1.Service{}},
		"headlessService":         {"Service", name + "-mgmt", &corev1.Service{}},
		"configMap":               {"ConfigMap", name + "-config", &corev1.ConfigMap{}},
		"podDisruptionBudget":     {"PodDisruptionBudget", name, &policyv1.PodDisruptionBudget{}},
		"promExporter.podMonitor": {"PodMonitor", name, nil},
	}
}

// Apply returns manifest with v's overrides and global values applied to
// the objects of the release name. A manifest with nothing to apply comes
// back unchanged; one that does not decode is left to the guard, whose
// message says what broke it. An override that does not apply is an error
// naming its spec.chartValues key.
func Apply(manifest, name string, v *values.ChartValues) (string, error) {
	if !hasWork(v) {
		return manifest, nil
	}
	objs, err := DecodeManifest(manifest)
	if err != nil {
		return manifest, nil // the guard refuses it, with the decoder's message
	}
	byKey := targets(name)
	for _, u := range objs {
		addLabels(u.Object, v.Global.Labels)
		if u.GetKind() == "StatefulSet" && u.GetName() == name {
			if err := podTemplate(u.Object, v); err != nil {
				return "", err
			}
		}
	}
	for _, o := range v.ObjectOverrides() {
		t, ok := byKey[o.Key]
		if !ok || (len(o.Merge) == 0 && len(o.Patch) == 0) {
			continue
		}
		u := find(objs, t.kind, t.name)
		if u == nil {
			return "", fmt.Errorf("spec.chartValues.%s: the release has no %s %q to apply it to", o.Key, t.kind, t.name)
		}
		before := u.DeepCopy().Object
		if u.Object, err = override(u.Object, o, t.schema); err != nil {
			return "", err
		}
		if err := keepsWhatTheOperatorHolds(o.Key, t.kind, before, u.Object); err != nil {
			return "", err
		}
	}
	return encode(objs)
}

// natsConfKey is the ConfigMap's nats.conf.
const natsConfKey = "nats.conf"

// pinned are the fields an override must leave as the chart renders them,
// by kind, with the reason: what the guard does not look at but the
// operator relies on, or what would let a NatsCluster reach beyond its
// own objects.
var pinned = map[string][]struct {
	path []string
	why  string
}{
	"ConfigMap":   {{[]string{"data", natsConfKey}, "the operator generates and encodes nats.conf; set its keys with config.merge"}},
	"StatefulSet": {{[]string{"spec", "selector"}, "the operator, the Services and the PodDisruptionBudget select the pods by it"}},
	"Service": {
		{[]string{"spec", "selector"}, "the Service serves the cluster's pods"},
		{[]string{"spec", "externalIPs"}, "external IPs intercept other traffic (CVE-2020-8554); use type LoadBalancer or NodePort"},
		{[]string{"spec", "externalName"}, "the Service serves the cluster's pods"},
	},
	"PodMonitor": {
		{[]string{"spec", "selector"}, "the PodMonitor scrapes the cluster's pods"},
		{[]string{"spec", "namespaceSelector"}, "the PodMonitor scrapes the cluster's own namespace"},
	},
}

func keepsWhatTheOperatorHolds(key, kind string, before, after map[string]any) error {
	for _, p := range pinned[kind] {
		was, _, _ := unstructured.NestedFieldNoCopy(before, p.path...)
		is, _, _ := unstructured.NestedFieldNoCopy(after, p.path...)
		if !equality.Semantic.DeepEqual(was, is) {
			return fmt.Errorf("spec.chartValues.%s: changes %s, which stays as the chart renders it: %s", key, strings.Join(p.path, "."), p.why)
		}
	}
	if kind == "Service" {
		if t, _, _ := unstructured.NestedString(after, "spec", "type"); t == "ExternalName" {
			return fmt.Errorf("spec.chartValues.%s: spec.type ExternalName serves no pods; use ClusterIP, NodePort or LoadBalancer", key)
		}
	}
	return nil
}

func hasWork(v *values.ChartValues) bool {
	if len(v.Global.Labels) > 0 || len(v.Global.Image.PullSecretNames) > 0 {
		return true
	}
	for _, o := range v.ObjectOverrides() {
		if len(o.Merge) > 0 || len(o.Patch) > 0 {
			return true
		}
	}
	return false
}

// podTemplate applies global.labels, the pull secrets, container and
// podTemplate to the StatefulSet's pod template.
func podTemplate(sts map[string]any, v *values.ChartValues) error {
	tmpl, ok, _ := unstructured.NestedMap(sts, "spec", "template")
	if !ok {
		return nil // the guard reports a StatefulSet without a pod template
	}
	addLabels(tmpl, v.Global.Labels)
	if err := addPullSecrets(tmpl, v.Global.Image.PullSecretNames); err != nil {
		return err
	}
	overrides := v.ObjectOverrides()
	if c := overrides[0]; len(c.Merge) > 0 || len(c.Patch) > 0 {
		containers, _, _ := unstructured.NestedSlice(tmpl, "spec", "containers")
		i := slices.IndexFunc(containers, func(c any) bool {
			m, _ := c.(map[string]any)
			return m["name"] == natsContainer
		})
		if i < 0 {
			return fmt.Errorf("spec.chartValues.container: the pod template has no container %q", natsContainer)
		}
		merged, err := override(containers[i].(map[string]any), c, &corev1.Container{})
		if err != nil {
			return err
		}
		containers[i] = merged
		if err := unstructured.SetNestedSlice(tmpl, containers, "spec", "containers"); err != nil {
			return err
		}
	}
	merged, err := override(tmpl, overrides[1], &corev1.PodTemplateSpec{})
	if err != nil {
		return err
	}
	return unstructured.SetNestedMap(sts, merged, "spec", "template")
}

// override merges o.Merge into obj and applies o.Patch, naming the
// operation that fails.
func override(obj map[string]any, o values.ObjectOverride, schema any) (map[string]any, error) {
	if len(o.Merge) == 0 && len(o.Patch) == 0 {
		return obj, nil
	}
	doc, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	if len(o.Merge) > 0 {
		patch, err := json.Marshal(o.Merge)
		if err != nil {
			return nil, fmt.Errorf("spec.chartValues.%s.merge: %w", o.Key, err)
		}
		if schema != nil {
			doc, err = strategicpatch.StrategicMergePatch(doc, patch, schema)
		} else {
			doc, err = jsonpatch.MergePatch(doc, patch)
		}
		if err != nil {
			return nil, fmt.Errorf("spec.chartValues.%s.merge: %w", o.Key, err)
		}
	}
	for i, op := range o.Patch {
		if doc, err = applyOperation(doc, op); err != nil {
			return nil, fmt.Errorf("spec.chartValues.%s.patch[%d]: %w", o.Key, i, err)
		}
	}
	out := map[string]any{}
	if err := json.Unmarshal(doc, &out); err != nil {
		return nil, fmt.Errorf("spec.chartValues.%s: %w", o.Key, err)
	}
	return out, nil
}

func applyOperation(doc []byte, op values.PatchOperation) ([]byte, error) {
	m := map[string]any{"op": op.Op, "path": op.Path}
	if op.From != "" {
		m["from"] = op.From
	}
	if op.Op == "add" || op.Op == "replace" || op.Op == "test" {
		m["value"] = op.Value
	}
	raw, err := json.Marshal([]any{m})
	if err != nil {
		return nil, err
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return nil, err
	}
	opts := jsonpatch.NewApplyOptions()
	opts.EnsurePathExistsOnAdd = false
	return p.ApplyWithOptions(doc, opts)
}

// addLabels adds global.labels to an object's (or a pod template's)
// metadata; a label the chart sets keeps the chart's value, so selectors
// and the release labels never change.
func addLabels(obj map[string]any, labels map[string]string) {
	if len(labels) == 0 {
		return
	}
	have, _, _ := unstructured.NestedStringMap(obj, "metadata", "labels")
	if have == nil {
		have = map[string]string{}
	}
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if _, set := have[k]; !set {
			have[k] = labels[k]
		}
	}
	_ = unstructured.SetNestedStringMap(obj, have, "metadata", "labels")
}

// addPullSecrets adds global.image.pullSecretNames to the pod's
// imagePullSecrets, once each.
func addPullSecrets(tmpl map[string]any, names []string) error {
	if len(names) == 0 {
		return nil
	}
	secrets, _, _ := unstructured.NestedSlice(tmpl, "spec", "imagePullSecrets")
	for _, n := range names {
		if !slices.ContainsFunc(secrets, func(s any) bool { m, _ := s.(map[string]any); return m["name"] == n }) {
			secrets = append(secrets, map[string]any{"name": n})
		}
	}
	return unstructured.SetNestedSlice(tmpl, secrets, "spec", "imagePullSecrets")
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, u := range objs {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// DecodeManifest splits a rendered manifest into objects exactly as Helm's
// kube client does before it applies them (the YAML-or-JSON stream decoder
// of the resource builder), so the overrides and the post-render guard see
// the objects Helm would create and not another reading of the same text.
func DecodeManifest(manifest string) ([]*unstructured.Unstructured, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	var out []*unstructured.Unstructured
	for {
		var ext runtime.RawExtension
		if err := d.Decode(&ext); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("the rendered manifest is not valid YAML: %w", err)
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("a rendered document is not a Kubernetes object: %w", err)
		}
		out = append(out, u)
	}
}

func encode(objs []*unstructured.Unstructured) (string, error) {
	var out strings.Builder
	for _, u := range objs {
		raw, err := yaml.Marshal(u.Object)
		if err != nil {
			return "", err
		}
		out.WriteString("---\n")
		out.Write(raw)
	}
	return out.String(), nil
}

// ForNatsCluster applies the official-chart overrides of nc's
// spec.chartValues to the release rendered for it.
func ForNatsCluster(manifest string, nc *natsv1alpha2.NatsCluster) (string, error) {
	v, err := values.OverlayOf(nc)
	if err != nil {
		return "", err
	}
	out, err := Apply(manifest, nc.Name, v)
	if err != nil {
		return "", fmt.Errorf("the operator refuses the release rendered for NatsCluster %s/%s, so nothing was applied: %w", nc.Namespace, nc.Name, err)
	}
	return out, nil
}

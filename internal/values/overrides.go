package values

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Bounds of the object overrides (statefulSet.merge, service.patch, …):
// enough for any real change to an object, too little to hurt the
// operator, the release record or the API server.
const (
	MaxPatchOperations = 64
	MaxOverrideDepth   = 16
	MaxOverrideEntries = 1024
	MaxOverrideBytes   = 128 << 10
)

// PatchOps are the RFC 6902 operations.
var PatchOps = []any{"add", "remove", "replace", "move", "copy", "test"}

// ObjectOverride is one object's override with the values key it comes from.
type ObjectOverride struct {
	// Key is the values key, e.g. statefulSet or promExporter.podMonitor.
	Key   string
	Merge map[string]any
	Patch []PatchOperation
}

// ObjectOverrides are the object overrides in the order internal/overlay
// applies them: the container inside the pod template inside the
// StatefulSet, as the official chart nests them, then the other objects.
func (v *ChartValues) ObjectOverrides() []ObjectOverride {
	return []ObjectOverride{
		{"container", v.Container.Merge, v.Container.Patch},
		{"podTemplate", v.PodTemplate.Merge, v.PodTemplate.Patch},
		{"statefulSet", v.StatefulSet.Merge, v.StatefulSet.Patch},
		{"service", v.Service.Merge, v.Service.Patch},
		{"headlessService", v.HeadlessService.Merge, v.HeadlessService.Patch},
		{"configMap", v.ConfigMap.Merge, v.ConfigMap.Patch},
		{"podDisruptionBudget", v.PodDisruptionBudget.Merge, v.PodDisruptionBudget.Patch},
		{"promExporter.podMonitor", v.PromExporter.PodMonitor.Merge, v.PromExporter.PodMonitor.Patch},
	}
}

// OverlayOf is the official-chart layout of a NatsCluster's
// spec.chartValues: the overrides and global values internal/overlay
// applies after rendering. values.yaml leaves all of them empty, so
// spec.chartValues alone holds them; the translator has already refused
// what is unknown or out of bounds.
func OverlayOf(nc *natsv1alpha2.NatsCluster) (*ChartValues, error) {
	var v ChartValues
	if cv := nc.Spec.ChartValues; cv != nil && len(cv.Raw) > 0 {
		if err := json.Unmarshal(cv.Raw, &v); err != nil {
			return nil, fmt.Errorf("spec.chartValues: %w", err)
		}
	}
	return &v, nil
}

func (v *ChartValues) validateOverrides() error {
	var errs []error
	for _, o := range v.ObjectOverrides() {
		errs = append(errs, checkOverride(o))
	}
	g := v.Global
	errs = append(errs, maxEntries("global.labels", len(g.Labels)))
	for k, val := range g.Labels {
		if msgs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(val)...); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("global.labels.%s: not a Kubernetes label: %s", truncated(k), strings.Join(msgs, "; ")))
		}
	}
	errs = append(errs, maxItems("global.image.pullSecretNames", len(g.Image.PullSecretNames)))
	for i, name := range g.Image.PullSecretNames {
		errs = append(errs, objectName(fmt.Sprintf("global.image.pullSecretNames[%d]", i), name))
	}
	if r := g.Image.Registry; r != "" {
		errs = append(errs, matches("global.image.registry", r, registryHost, "a registry such as registry.example.com:5000 or registry.example.com/mirror"),
			maxLength("global.image.registry", r, MaxNameLength))
	}
	return errors.Join(errs...)
}

var registryHost = regexp.MustCompile(registryPattern)

// registryPattern is a registry host, with a port and a path (a mirror's
// prefix) or without; empty is no registry.
const registryPattern = `^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*)?$`

func checkOverride(o ObjectOverride) error {
	if len(o.Merge) == 0 && len(o.Patch) == 0 {
		return nil
	}
	raw, err := json.Marshal(map[string]any{"merge": o.Merge, "patch": o.Patch})
	if err != nil {
		return fmt.Errorf("%s: %w", o.Key, err)
	}
	if len(raw) > MaxOverrideBytes {
		return fmt.Errorf("%s: %d bytes of merge and patch; at most %d", o.Key, len(raw), MaxOverrideBytes)
	}
	entries := 0
	if err := boundedTree(o.Merge, o.Key+".merge", 1, &entries); err != nil {
		return err
	}
	if len(o.Patch) > MaxPatchOperations {
		return fmt.Errorf("%s.patch: %d operations; at most %d", o.Key, len(o.Patch), MaxPatchOperations)
	}
	for i, op := range o.Patch {
		at := fmt.Sprintf("%s.patch[%d]", o.Key, i)
		switch op.Op {
		case "add", "replace", "test", "remove":
		case "move", "copy":
			if err := jsonPointer(at+".from", op.From); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s.op: %q is not one of add, remove, replace, move, copy, test", at, truncated(op.Op))
		}
		if err := jsonPointer(at+".path", op.Path); err != nil {
			return err
		}
		if err := boundedTree(op.Value, at+".value", 1, &entries); err != nil {
			return err
		}
	}
	return nil
}

// jsonPointer: an RFC 6901 pointer into the object ("" is the whole object).
func jsonPointer(at, p string) error {
	if p != "" && !strings.HasPrefix(p, "/") {
		return fmt.Errorf("%s: %q is not a JSON Pointer such as /spec/replicas", at, truncated(p))
	}
	return maxLength(at, p, MaxURLLength)
}

// boundedTree checks a value tree's depth and size.
func boundedTree(v any, at string, depth int, entries *int) error {
	if depth > MaxOverrideDepth {
		return fmt.Errorf("%s: nested deeper than %d levels", at, MaxOverrideDepth)
	}
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			if *entries++; *entries > MaxOverrideEntries {
				return fmt.Errorf("%s: more than %d values in the overrides of one object", at, MaxOverrideEntries)
			}
			if err := boundedTree(sub, at+"."+k, depth+1, entries); err != nil {
				return err
			}
		}
	case []any:
		for i, sub := range t {
			if *entries++; *entries > MaxOverrideEntries {
				return fmt.Errorf("%s: more than %d values in the overrides of one object", at, MaxOverrideEntries)
			}
			if err := boundedTree(sub, fmt.Sprintf("%s[%d]", at, i), depth+1, entries); err != nil {
				return err
			}
		}
	}
	return nil
}

// withRegistry prefixes every image the chart renders with
// global.image.registry, unless it already names a registry.
func (v *ChartValues) withRegistry() {
	r := strings.TrimSuffix(v.Global.Image.Registry, "/")
	if r == "" {
		return
	}
	prefix := func(img *string) {
		if *img != "" && !hasRegistry(*img) {
			*img = r + "/" + *img
		}
	}
	if v.Image.Ref != "" {
		prefix(&v.Image.Ref)
	} else {
		prefix(&v.Image.Repository)
	}
	prefix(&v.Reloader.Image)
	prefix(&v.Metrics.Image)
	prefix(&v.Advertise.Image)
}

// hasRegistry: the image reference's first component is a registry host,
// as the container runtimes read it (a '.' or ':' in it, or localhost).
func hasRegistry(img string) bool {
	first, _, found := strings.Cut(img, "/")
	return found && (strings.ContainsAny(first, ".:") || first == "localhost")
}

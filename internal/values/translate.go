package values

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/images"
)

// Translator is the helm-operator-plugins value translator for NatsCluster.
type Translator struct {
	// Defaults are the chart's values.yaml, the layer under everything.
	Defaults map[string]any
	// AllowOwnedConfig lets config.merge and spec.chartValues set what the
	// operator otherwise owns (listeners, auth); an explicit operator flag.
	AllowOwnedConfig bool
}

// Translate implements values.Translator: the unstructured CR from the Helm
// reconciler is decoded into the typed API and translated.
func (t Translator) Translate(_ context.Context, u *unstructured.Unstructured) (chartutil.Values, error) {
	var nc natsv1alpha2.NatsCluster
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &nc); err != nil {
		return nil, fmt.Errorf("decoding NatsCluster %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	v, err := t.Values(&nc)
	if err != nil {
		return nil, err
	}
	return toHelm(v)
}

// Values are the complete, validated chart values of a NatsCluster: the
// chart's defaults, under what the typed spec says, under spec.chartValues,
// decoded strictly into ChartValues and checked against its bounds, with
// nats.conf and everything else the chart places generated last.
func (t Translator) Values(nc *natsv1alpha2.NatsCluster) (*ChartValues, error) {
	if t.Defaults == nil {
		return nil, fmt.Errorf("values: the translator has no chart defaults (values.yaml)")
	}
	built, err := Build(nc)
	if err != nil {
		return nil, err
	}
	layered, err := toMap(built)
	if err != nil {
		return nil, err
	}
	merged := deepCopyMap(t.Defaults)
	mergeInto(merged, layered)
	if cv := nc.Spec.ChartValues; cv != nil && len(cv.Raw) > 0 {
		user, err := t.chartValues(cv.Raw)
		if err != nil {
			return nil, err
		}
		mergeInto(merged, user)
	}
	v, err := decodeStrict(merged)
	if err != nil {
		return nil, err
	}
	if err := v.Validate(); err != nil {
		return nil, fmt.Errorf("chart values: %w", err)
	}
	v.withRegistry()
	if v.Generated, err = generate(v, release{name: nc.Name, namespace: nc.Namespace}, t.AllowOwnedConfig); err != nil {
		return nil, err
	}
	return v, nil
}

// ownedValues are the chart values spec.chartValues must not set: auth
// comes from spec.auth and the operator's Secret, generated from Go.
var ownedValues = []string{"auth", "operatorJWT"}

func (t Translator) chartValues(raw []byte) (map[string]any, error) {
	var user map[string]any
	if err := json.Unmarshal(raw, &user); err != nil {
		return nil, fmt.Errorf("spec.chartValues must be an object: %w", err)
	}
	if _, ok := user["generated"]; ok {
		return nil, fmt.Errorf("spec.chartValues.generated: the operator generates these values; remove the key")
	}
	if !t.AllowOwnedConfig {
		for _, k := range ownedValues {
			if _, ok := user[k]; ok {
				return nil, fmt.Errorf("spec.chartValues.%s: auth is configured through spec.auth and spec.operatorConfig, not chart values (an operator started with --allow-owned-config-overrides accepts it)", k)
			}
		}
	}
	return user, nil
}

// decodeStrict decodes the layered values into ChartValues, refusing keys
// the chart does not have and values of the wrong type.
func decodeStrict(m map[string]any) (*ChartValues, error) {
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding chart values: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var v ChartValues
	if err := dec.Decode(&v); err != nil {
		return nil, chartValuesError(m, err)
	}
	return &v, nil
}

// chartValuesError names the spec.chartValues key behind a decoding error,
// since encoding/json names only the last key of an unknown one. Only
// spec.chartValues can hold unknown keys or wrong types: the typed spec and
// values.yaml are checked against ChartValues by tests.
func chartValuesError(m map[string]any, err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Errorf("spec.chartValues.%s: expected %s, got %s (values.yaml shows each value's form)", typeErr.Field, typeErr.Type, typeErr.Value)
	}
	if path := unknownKey(m, reflect.TypeFor[ChartValues]()); path != "" {
		return fmt.Errorf("spec.chartValues.%s: the nats-cluster chart has no such value; correct or remove it (values.yaml lists them)", path)
	}
	return fmt.Errorf("spec.chartValues: %w", err)
}

// unknownKey is the dotted path of the first key of m, in key order, that
// t (a struct decoded from JSON) has no field for; "" if there is none.
func unknownKey(m map[string]any, t reflect.Type) string {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = f.Type
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ft, ok := fields[k]
		if !ok {
			return k
		}
		if sub := unknownIn(m[k], ft); sub != "" {
			return k + sub
		}
	}
	return ""
}

// unknownIn descends into v, the value of a field of type t: structs
// directly or through pointers, slices and maps.
func unknownIn(v any, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		if sub, ok := v.(map[string]any); ok {
			if p := unknownKey(sub, t); p != "" {
				return "." + p
			}
		}
	case reflect.Slice:
		if items, ok := v.([]any); ok {
			for i, item := range items {
				if p := unknownIn(item, t.Elem()); p != "" {
					return fmt.Sprintf("[%d]%s", i, p)
				}
			}
		}
	case reflect.Map:
		if sub, ok := v.(map[string]any); ok {
			keys := make([]string, 0, len(sub))
			for k := range sub {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if p := unknownIn(sub[k], t.Elem()); p != "" {
					return "." + k + p
				}
			}
		}
	}
	return ""
}

// ToChartValues returns the chart values for a NatsCluster with the given
// chart defaults, as Helm expects them.
func ToChartValues(nc *natsv1alpha2.NatsCluster, defaults map[string]any) (chartutil.Values, error) {
	v, err := Translator{Defaults: defaults}.Values(nc)
	if err != nil {
		return nil, err
	}
	return toHelm(v)
}

// toHelm is v in Helm's JSON types (maps, slices, float64, string, bool).
func toHelm(v *ChartValues) (chartutil.Values, error) {
	m, err := toMap(v)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding chart values: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decoding chart values: %w", err)
	}
	return out, nil
}

func deepCopyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			out[k] = deepCopyMap(sub)
			continue
		}
		out[k] = v
	}
	return out
}

// mergeInto merges src over dst: maps merge key by key, anything else in src
// replaces what dst has.
func mergeInto(dst, src map[string]any) {
	for k, sv := range src {
		if sm, ok := sv.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeInto(dm, sm)
				continue
			}
		}
		dst[k] = sv
	}
}

// Build translates a NatsCluster into typed chart values.
func Build(nc *natsv1alpha2.NatsCluster) (*ChartValues, error) {
	spec := &nc.Spec
	template, err := templateValues(spec)
	if err != nil {
		return nil, err
	}
	version := strings.TrimPrefix(spec.Version, "v")
	if version == "" {
		version = natsv1alpha2.DefaultVersion
	}
	v := &ChartValues{
		Size:          sizeOf(spec),
		Image:         serverImage(spec, version),
		ServerVersion: version,
		Server:        serverValues(spec),
		Routes:        Routes{Extra: extraRoutes(spec.ExtraRoutes)},
		TLS:           tlsValues(spec),
		Gateway:       gatewayValues(spec),
		Leafnodes:     leafnodeValues(spec),
		Websocket:     websocketValues(spec),
		OperatorJWT:   operatorValues(spec.OperatorConfig),
		Auth:          authValues(nc),
		Advertise:     advertiseValues(spec.Pod),
		Reloader:      reloaderValues(spec.Pod),
		Metrics:       metricsValues(spec.Pod),
		Services: Services{
			Client: serviceMeta(spec.ServicePolicy),
			Mgmt:   serviceMeta(spec.ManagementServicePolicy),
		},
		Pod: podValues(spec.Pod),
	}
	// Auth material the operator writes changes on its own (token rotation,
	// an edited Secret); without the reloader no server would ever see it.
	if v.Auth.SecretName != "" {
		v.Reloader.Enabled = true
	}
	if v.JetStream, err = jetStreamValues(spec.JetStream); err != nil {
		return nil, err
	}
	v.Pod.Template = template
	return v, nil
}

// serverImage is serverImage:version; the default repository is replaced,
// at every version, by the operator's RELATED_IMAGE_NATS* (a mirror or a
// digest; images.NATSServer).
func serverImage(spec *natsv1alpha2.ClusterSpec, version string) Image {
	img := Image{Repository: orDefault(spec.ServerImage, natsv1alpha2.DefaultServerImage), Tag: version}
	if img.Repository == natsv1alpha2.DefaultServerImage {
		if ref, ok := images.NATSServer(version); ok {
			img.Ref = ref
		}
	}
	return img
}

func sizeOf(spec *natsv1alpha2.ClusterSpec) int32 {
	if spec.Size == nil {
		return 3 // the CRD default, for CRs that never went through the API server
	}
	return *spec.Size
}

func serverValues(spec *natsv1alpha2.ClusterSpec) Server {
	s := Server{
		NoAdvertise:             spec.NoAdvertise,
		ServerName:              spec.UseServerName,
		LameDuckDurationSeconds: natsv1alpha2.DefaultLameDuckDurationSeconds,
		Logtime:                 true,
	}
	if spec.LameDuckDurationSeconds != nil {
		s.LameDuckDurationSeconds = *spec.LameDuckDurationSeconds
	}
	if c := spec.NatsConfig; c != nil {
		s.Debug = c.Debug
		s.Trace = c.Trace
		s.Logtime = !c.DisableLogtime
		s.WriteDeadline = orDefault(c.WriteDeadline, c.WriteDeadlineCamel)
		s.MaxConnections = c.MaxConnections
		s.MaxPayload = c.MaxPayload
		s.MaxPending = c.MaxPending
		s.MaxSubscriptions = c.MaxSubscriptions
		s.MaxControlLine = c.MaxControlLine
	}
	return s
}

// extraRoutes keeps nats-operator's meaning: a cluster name becomes the
// short DNS name of that cluster's management Service, a route is verbatim.
func extraRoutes(routes []*natsv1alpha2.ExtraRoute) []string {
	out := []string{}
	for _, r := range routes {
		switch {
		case r == nil:
		case r.Route != "":
			out = append(out, r.Route)
		case r.Cluster != "":
			out = append(out, fmt.Sprintf("nats://%s-mgmt:6222", r.Cluster))
		}
	}
	return out
}

func serviceMeta(p *natsv1alpha2.ServicePolicy) ServiceMeta {
	if p == nil {
		return ServiceMeta{}
	}
	return ServiceMeta{Labels: p.Labels, Annotations: p.Annotations}
}

func podValues(p *natsv1alpha2.PodPolicy) Pod {
	if p == nil {
		return Pod{}
	}
	return Pod{
		Labels:         p.Labels,
		Annotations:    p.Annotations,
		NodeSelector:   p.NodeSelector,
		AntiAffinity:   p.AntiAffinity,
		Tolerations:    p.Tolerations,
		Resources:      p.Resources,
		Env:            p.NatsEnv,
		VolumeMounts:   p.VolumeMounts,
		ClientHostPort: p.EnableClientsHostPort,
	}
}

// templateValues turns spec.template into a plain map without the empty
// fields that Go's encoding adds (creationTimestamp: null, resources: {}).
func templateValues(spec *natsv1alpha2.ClusterSpec) (map[string]any, error) {
	if spec.Template == nil {
		return map[string]any{}, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(spec.Template)
	if err != nil {
		return nil, fmt.Errorf("spec.template: %w", err)
	}
	unstructured.RemoveNestedField(m, "metadata", "creationTimestamp")
	return m, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

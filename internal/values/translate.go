package values

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// ErrUnsupported marks a field this operator version accepts but cannot
// render yet. It is reported on the NatsCluster instead of being ignored.
var ErrUnsupported = errors.New("not supported yet by this operator version")

// Translator is the helm-operator-plugins value translator for NatsCluster.
type Translator struct{}

// Translate implements values.Translator: the unstructured CR from the Helm
// reconciler is decoded into the typed API and translated.
func (Translator) Translate(_ context.Context, u *unstructured.Unstructured) (chartutil.Values, error) {
	var nc natsv1alpha2.NatsCluster
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &nc); err != nil {
		return nil, fmt.Errorf("decoding NatsCluster %s/%s: %w", u.GetNamespace(), u.GetName(), err)
	}
	return ToChartValues(&nc)
}

// ToChartValues returns the chart values for a NatsCluster as Helm expects
// them (JSON types: maps, slices, float64, string, bool).
func ToChartValues(nc *natsv1alpha2.NatsCluster) (chartutil.Values, error) {
	v, err := Build(nc)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding chart values: %w", err)
	}
	out := chartutil.Values{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decoding chart values: %w", err)
	}
	return out, nil
}

// Build translates a NatsCluster into typed chart values.
func Build(nc *natsv1alpha2.NatsCluster) (*ChartValues, error) {
	spec := &nc.Spec
	if err := checkSupported(spec); err != nil {
		return nil, err
	}
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
		Image:         Image{Repository: orDefault(spec.ServerImage, natsv1alpha2.DefaultServerImage), Tag: version},
		ServerVersion: version,
		Server:        serverValues(spec),
		Routes:        Routes{Extra: extraRoutes(spec.ExtraRoutes)},
		Services: Services{
			Client: serviceMeta(spec.ServicePolicy),
			Mgmt:   serviceMeta(spec.ManagementServicePolicy),
		},
		Pod: podValues(spec.Pod),
	}
	v.Pod.Template = template
	return v, nil
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

// checkSupported refuses, with the field's name, what the chart does not
// render yet, so that a user never gets a cluster without the TLS or auth
// they asked for.
func checkSupported(spec *natsv1alpha2.ClusterSpec) error {
	var fields []string
	add := func(set bool, name string) {
		if set {
			fields = append(fields, name)
		}
	}
	add(spec.TLS != nil, "spec.tls")
	add(spec.Auth != nil, "spec.auth")
	add(spec.GatewayConfig != nil, "spec.gatewayConfig")
	add(spec.LeafNodeConfig != nil, "spec.leafnodeConfig")
	add(spec.OperatorConfig != nil, "spec.operatorConfig")
	add(spec.WebsocketConfig != nil, "spec.websocketConfig")
	if p := spec.Pod; p != nil {
		add(p.EnableConfigReload, "spec.pod.enableConfigReload")
		add(p.EnableMetrics, "spec.pod.enableMetrics")
		add(p.AdvertiseExternalIP, "spec.pod.advertiseExternalIP")
	}
	if len(fields) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w", strings.Join(fields, ", "), ErrUnsupported)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

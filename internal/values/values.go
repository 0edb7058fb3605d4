// Package values translates a NatsCluster into the values of the
// nats-cluster chart. The translation is typed on both sides: the CR through
// api/v1alpha2, the chart through ChartValues, whose JSON form is exactly
// the chart's values.yaml layout.
package values

import (
	corev1 "k8s.io/api/core/v1"
)

// ChartValues mirrors helm-charts/nats-cluster/values.yaml.
type ChartValues struct {
	Size          int32          `json:"size"`
	Image         Image          `json:"image"`
	ServerVersion string         `json:"serverVersion"`
	Server        Server         `json:"server"`
	Routes        Routes         `json:"routes"`
	Services      Services       `json:"services"`
	Pod           Pod            `json:"pod"`
	Config        map[string]any `json:"config,omitempty"`
}

// Image is the NATS server image.
type Image struct {
	Repository string            `json:"repository"`
	Tag        string            `json:"tag"`
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
}

// Server holds server options that end up in nats.conf or on the command line.
type Server struct {
	NoAdvertise             bool   `json:"noAdvertise"`
	ServerName              bool   `json:"serverName"`
	LameDuckDurationSeconds int64  `json:"lameDuckDurationSeconds"`
	Debug                   bool   `json:"debug"`
	Trace                   bool   `json:"trace"`
	Logtime                 bool   `json:"logtime"`
	WriteDeadline           string `json:"writeDeadline"`
	MaxConnections          int64  `json:"maxConnections"`
	MaxPayload              int64  `json:"maxPayload"`
	MaxPending              int64  `json:"maxPending"`
	MaxSubscriptions        int64  `json:"maxSubscriptions"`
	MaxControlLine          int64  `json:"maxControlLine"`
}

// Routes are the routes beyond the generated full mesh.
type Routes struct {
	Extra []string `json:"extra"`
}

// Services holds the metadata of the two Services.
type Services struct {
	Client ServiceMeta `json:"client"`
	Mgmt   ServiceMeta `json:"mgmt"`
}

// ServiceMeta is extra metadata for a Service.
type ServiceMeta struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// Pod is the pod policy.
type Pod struct {
	Labels         map[string]string           `json:"labels"`
	Annotations    map[string]string           `json:"annotations"`
	NodeSelector   map[string]string           `json:"nodeSelector"`
	AntiAffinity   bool                        `json:"antiAffinity"`
	Tolerations    []corev1.Toleration         `json:"tolerations"`
	Resources      corev1.ResourceRequirements `json:"resources"`
	Env            []corev1.EnvVar             `json:"env"`
	VolumeMounts   []corev1.VolumeMount        `json:"volumeMounts"`
	ClientHostPort bool                        `json:"clientHostPort"`
	// Template is the user's pod template as a plain map, so that the chart
	// sees only the fields the user set.
	Template map[string]any `json:"template"`
}

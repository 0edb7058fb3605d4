// Package values translates a NatsCluster into the values of the
// nats-cluster chart. The translation is typed on both sides: the CR through
// api/v1alpha2, the chart through ChartValues, whose JSON form is exactly
// the chart's values.yaml layout (fields left empty take the chart's
// defaults).
package values

import (
	corev1 "k8s.io/api/core/v1"
)

// ChartValues mirrors helm-charts/nats-cluster/values.yaml.
type ChartValues struct {
	Size          int32       `json:"size"`
	Image         Image       `json:"image"`
	ServerVersion string      `json:"serverVersion"`
	Server        Server      `json:"server"`
	Ports         Ports       `json:"ports,omitzero"`
	Routes        Routes      `json:"routes"`
	TLS           TLS         `json:"tls"`
	Gateway       Gateway     `json:"gateway"`
	Leafnodes     Leafnodes   `json:"leafnodes"`
	Websocket     Websocket   `json:"websocket"`
	OperatorJWT   OperatorJWT `json:"operatorJWT"`
	Auth          Auth        `json:"auth"`
	Advertise     Advertise   `json:"advertise"`
	Reloader      Sidecar     `json:"reloader"`
	Metrics       Sidecar     `json:"metrics"`
	JetStream     JetStream   `json:"jetstream"`
	Config        Config      `json:"config,omitzero"`
	Services      Services    `json:"services"`
	Pod           Pod         `json:"pod"`
	// PodDisruptionBudget is the chart's budget for voluntary evictions.
	PodDisruptionBudget PodDisruptionBudget `json:"podDisruptionBudget,omitzero"`
	// Generated is what Go derives from everything above (nats.conf, its
	// hash, what the server version supports) for the chart to place. It is
	// never taken from a user.
	Generated Generated `json:"generated,omitzero"`
}

// Ports are the container ports of the NATS server and its exporter.
type Ports struct {
	Client     int `json:"client"`
	Cluster    int `json:"cluster"`
	Monitoring int `json:"monitoring"`
	Metrics    int `json:"metrics"`
}

// Config holds helm-style nats.conf overrides, as the official NATS chart's
// config.merge: merged over the operator's config, owned keys excepted.
type Config struct {
	Merge map[string]any `json:"merge"`
}

// PodDisruptionBudget bounds voluntary evictions.
type PodDisruptionBudget struct {
	Enabled        bool `json:"enabled"`
	MaxUnavailable int  `json:"maxUnavailable"`
}

// Generated is derived in Go for the templates, which only place it.
type Generated struct {
	// NatsConf is the complete nats.conf.
	NatsConf string `json:"natsConf"`
	// ConfigHash changes when nats.conf changes in a way that needs a
	// restart (routes left out: a scale must not restart the servers).
	ConfigHash string `json:"configHash"`
	// Server is what the server version supports.
	Server Capabilities `json:"server"`
	// WatchedFiles are the files the reloader watches besides nats.conf.
	WatchedFiles []string `json:"watchedFiles"`
	// Paths are where the pod mounts what nats.conf refers to.
	Paths Paths `json:"paths"`
}

// Paths in the NATS container, one definition for nats.conf and the pod.
type Paths struct {
	ConfigDir      string `json:"configDir"`
	ConfigFile     string `json:"configFile"`
	AuthDir        string `json:"authDir"`
	AdvertiseDir   string `json:"advertiseDir"`
	OperatorJWTDir string `json:"operatorJWTDir"`
	PidFile        string `json:"pidFile"`
	DataDir        string `json:"dataDir"`
	// ClientAdvertiseFile and GatewayAdvertiseFile are what the bootconfig
	// init container writes.
	ClientAdvertiseFile  string `json:"clientAdvertiseFile"`
	GatewayAdvertiseFile string `json:"gatewayAdvertiseFile"`
}

// Image is the NATS server image.
type Image struct {
	Repository string            `json:"repository"`
	Tag        string            `json:"tag"`
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
	Ref        string            `json:"ref,omitempty"`
}

// Server holds server options that end up in nats.conf or on the command line.
type Server struct {
	NoAdvertise             bool   `json:"noAdvertise"`
	ServerName              bool   `json:"serverName"`
	LameDuckDurationSeconds int64  `json:"lameDuckDurationSeconds"`
	ConnectRetries          int    `json:"connectRetries,omitzero"`
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

// TLS holds one block per protocol.
type TLS struct {
	Client    TLSBlock `json:"client"`
	Routes    TLSBlock `json:"routes"`
	Gateway   TLSBlock `json:"gateway"`
	Leafnodes TLSBlock `json:"leafnodes"`
	Websocket TLSBlock `json:"websocket"`
	HTTPS     bool     `json:"https"`
}

// TLSBlock is the TLS of one protocol; empty file names keep the chart's
// defaults (nats-operator's file names).
type TLSBlock struct {
	Secret           string   `json:"secret"`
	Dir              string   `json:"dir,omitempty"`
	CA               string   `json:"ca,omitempty"`
	Cert             string   `json:"cert,omitempty"`
	Key              string   `json:"key,omitempty"`
	Timeout          float64  `json:"timeout"`
	Verify           bool     `json:"verify,omitempty"`
	VerifyAndMap     bool     `json:"verifyAndMap,omitempty"`
	CipherSuites     []string `json:"cipherSuites,omitempty"`
	CurvePreferences []string `json:"curvePreferences,omitempty"`
}

// Gateway is the super-cluster listener.
type Gateway struct {
	Enabled       bool            `json:"enabled"`
	Name          string          `json:"name"`
	Port          int             `json:"port,omitempty"`
	HostPort      bool            `json:"hostPort"`
	RejectUnknown bool            `json:"rejectUnknown"`
	Gateways      []RemoteGateway `json:"gateways"`
}

// RemoteGateway is a remote cluster.
type RemoteGateway struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Leafnodes is the leafnode listener and remotes.
type Leafnodes struct {
	Enabled  bool         `json:"enabled"`
	Port     int          `json:"port,omitempty"`
	HostPort bool         `json:"hostPort"`
	Remotes  []LeafRemote `json:"remotes"`
}

// LeafRemote is a leafnode remote in nats.conf's shape.
type LeafRemote struct {
	URLs        []string `json:"urls"`
	Credentials string   `json:"credentials,omitempty"`
}

// Websocket is the websocket listener.
type Websocket struct {
	Enabled          bool   `json:"enabled"`
	Port             int    `json:"port,omitempty"`
	HostPort         bool   `json:"hostPort"`
	HandshakeTimeout string `json:"handshakeTimeout"`
	Compression      bool   `json:"compression"`
}

// OperatorJWT is decentralized JWT authentication.
type OperatorJWT struct {
	Secret        string `json:"secret"`
	SystemAccount string `json:"systemAccount"`
	Resolver      string `json:"resolver"`
}

// Auth names the operator-written auth Secret and what nats.conf includes
// from it (see internal/controller for the Secret's keys).
type Auth struct {
	SecretName  string `json:"secretName"`
	Clients     bool   `json:"clients"`
	ClientsFile string `json:"clientsFile"`
	Cluster     bool   `json:"cluster"`
	Gateway     bool   `json:"gateway"`
}

// Advertise is external-IP advertisement through the boot-config init container.
type Advertise struct {
	ExternalIP bool              `json:"externalIP"`
	Legacy     bool              `json:"legacy"`
	Image      string            `json:"image"`
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
}

// Sidecar is the reloader or the metrics exporter.
type Sidecar struct {
	Enabled    bool                        `json:"enabled"`
	Image      string                      `json:"image"`
	PullPolicy corev1.PullPolicy           `json:"pullPolicy,omitempty"`
	Resources  corev1.ResourceRequirements `json:"resources"`
	// ServiceMonitor is the exporter's Prometheus Operator ServiceMonitor.
	ServiceMonitor *ServiceMonitor `json:"serviceMonitor,omitempty"`
}

// ServiceMonitor is the Prometheus Operator scrape configuration.
type ServiceMonitor struct {
	Enabled  bool              `json:"enabled"`
	Labels   map[string]string `json:"labels"`
	Interval string            `json:"interval"`
}

// JetStream is persistence.
type JetStream struct {
	Enabled bool          `json:"enabled"`
	Domain  string        `json:"domain"`
	Memory  JetStreamMem  `json:"memory"`
	File    JetStreamFile `json:"file"`
}

// JetStreamMem is the memory store.
type JetStreamMem struct {
	MaxBytes int64 `json:"maxBytes"`
}

// JetStreamFile is the file store and its PVC.
type JetStreamFile struct {
	Enabled          bool   `json:"enabled"`
	Size             string `json:"size"`
	StorageClassName string `json:"storageClassName"`
	MaxBytes         int64  `json:"maxBytes"`
	// WhenDeleted and WhenScaled are the StatefulSet's
	// persistentVolumeClaimRetentionPolicy.
	WhenDeleted string `json:"whenDeleted"`
	WhenScaled  string `json:"whenScaled"`
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
	// SecurityContext and ContainerSecurityContext default to what Pod
	// Security "restricted" asks for (values.yaml).
	SecurityContext          *corev1.PodSecurityContext `json:"securityContext,omitempty"`
	ContainerSecurityContext *corev1.SecurityContext    `json:"containerSecurityContext,omitempty"`
	// Template is the user's pod template as a plain map, so that the chart
	// sees only the fields the user set.
	Template map[string]any `json:"template"`
}

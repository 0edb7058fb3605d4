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
	// Size is the number of NATS servers (StatefulSet replicas).
	Size int32 `json:"size"`
	// Image is the NATS server image.
	Image Image `json:"image"`
	// ServerVersion is the NATS server version that decides which config
	// keys, flags and probes the server understands; empty means image.tag.
	ServerVersion string `json:"serverVersion"`
	// Server holds server options for nats.conf and the command line.
	Server Server `json:"server"`
	// Ports are the container ports of the server and its exporter.
	Ports Ports `json:"ports,omitzero"`
	// Routes are routes beyond the generated full mesh.
	Routes Routes `json:"routes"`
	// TLS is one block per protocol; a block without a Secret runs without TLS.
	TLS TLS `json:"tls"`
	// Gateway is the super-cluster listener.
	Gateway Gateway `json:"gateway"`
	// Leafnodes is the leafnode listener and the remotes this cluster solicits.
	Leafnodes Leafnodes `json:"leafnodes"`
	// Websocket is the websocket listener.
	Websocket Websocket `json:"websocket"`
	// OperatorJWT is decentralized JWT authentication (from spec.operatorConfig).
	OperatorJWT OperatorJWT `json:"operatorJWT"`
	// Auth names the operator-written auth Secret (from spec.auth).
	Auth Auth `json:"auth"`
	// Advertise is external-IP advertisement by an init container.
	Advertise Advertise `json:"advertise"`
	// Reloader is the config reloader sidecar, which signals the server when
	// nats.conf, an include file or a TLS file changes.
	Reloader Sidecar `json:"reloader"`
	// Metrics is the Prometheus exporter sidecar on ports.metrics.
	Metrics Sidecar `json:"metrics"`
	// JetStream is persistence.
	JetStream JetStream `json:"jetstream"`
	// Config holds nats.conf overrides (config.merge).
	Config Config `json:"config,omitzero"`
	// Services is extra metadata of the client and headless Services.
	Services Services `json:"services"`
	// Pod is the pod policy of the StatefulSet.
	Pod Pod `json:"pod"`
	// PodDisruptionBudget is the chart's budget for voluntary evictions.
	PodDisruptionBudget PodDisruptionBudget `json:"podDisruptionBudget,omitzero"`

	// The official NATS chart's layout (nats-io/k8s, chart 2.x) for what
	// its users already know; internal/overlay applies it to the rendered
	// objects before the post-render guard. README, "Values from the
	// official NATS chart".

	// Global applies to every object and image the chart renders.
	Global Global `json:"global,omitzero"`
	// StatefulSet is merged into and patched onto the StatefulSet <name>.
	StatefulSet Override `json:"statefulSet,omitzero"`
	// PodTemplate is merged into and patched onto the StatefulSet's pod
	// template (spec.template).
	PodTemplate Override `json:"podTemplate,omitzero"`
	// Container is merged into and patched onto the NATS container.
	Container Override `json:"container,omitzero"`
	// Service is merged into and patched onto the client Service <name>,
	// e.g. merge.spec.type LoadBalancer.
	Service Override `json:"service,omitzero"`
	// HeadlessService is merged into and patched onto the headless Service
	// <name>-mgmt (the official chart's <name>-headless).
	HeadlessService Override `json:"headlessService,omitzero"`
	// ConfigMap is merged into and patched onto the ConfigMap <name>-config.
	ConfigMap Override `json:"configMap,omitzero"`
	// PromExporter holds the exporter's PodMonitor.
	PromExporter PromExporter `json:"promExporter,omitzero"`
	// Generated is what Go derives from everything above (nats.conf, its
	// hash, what the server version supports) for the chart to place. It is
	// never taken from a user.
	Generated Generated `json:"generated,omitzero"`
}

// Ports are the container ports of the NATS server and its exporter.
type Ports struct {
	// Client is the client listener, port tcp-client of the client Service.
	Client int `json:"client"`
	// Cluster is the route listener.
	Cluster int `json:"cluster"`
	// Monitoring is the HTTP(S) monitoring listener the probes use.
	Monitoring int `json:"monitoring"`
	// Metrics is the exporter's port.
	Metrics int `json:"metrics"`
}

// Config holds helm-style nats.conf overrides, as the official NATS chart's
// config.merge: merged over the operator's config, owned keys excepted.
type Config struct {
	// Merge is merged over the generated nats.conf, last. A string "<< X >>"
	// is written unquoted: a size (8MB), a duration (2m) or $POD_NAME.
	Merge map[string]any `json:"merge"`
}

// PodDisruptionBudget bounds voluntary evictions.
type PodDisruptionBudget struct {
	// Enabled renders the budget when the cluster has at least two servers.
	Enabled bool `json:"enabled"`
	// MaxUnavailable is how many servers an eviction may take down at once.
	MaxUnavailable int `json:"maxUnavailable"`
	// Merge is merged into the rendered budget (strategic merge).
	Merge map[string]any `json:"merge,omitempty"`
	// Patch is applied to the rendered budget (RFC 6902), after Merge.
	Patch []PatchOperation `json:"patch,omitempty"`
}

// Override is the official NATS chart's escape hatch on one rendered
// object: Merge is merged into it as a Kubernetes strategic merge patch
// (maps key by key, lists of named items such as containers and ports by
// their key, other lists replaced), then Patch applies as RFC 6902.
type Override struct {
	// Merge is merged into the object (strategic merge).
	Merge map[string]any `json:"merge,omitempty"`
	// Patch is applied to the object (RFC 6902 JSON Patch), after Merge.
	Patch []PatchOperation `json:"patch,omitempty"`
}

// PatchOperation is one RFC 6902 operation.
type PatchOperation struct {
	// Op is add, remove, replace, move, copy or test.
	Op string `json:"op"`
	// Path is a JSON Pointer into the object, e.g. /spec/template/spec/priorityClassName.
	Path string `json:"path"`
	// From is the source of move and copy.
	From string `json:"from,omitempty"`
	// Value is what add, replace and test use.
	Value any `json:"value,omitempty"`
}

// Global holds the official chart's global values.
type Global struct {
	Image GlobalImage `json:"image,omitzero"`
	// Labels go on every rendered object and the pods; the operator's own
	// labels win.
	Labels map[string]string `json:"labels,omitempty"`
}

// GlobalImage applies to every image the chart renders.
type GlobalImage struct {
	// Registry prefixes every image (NATS, reloader, exporter, bootconfig)
	// that does not already name a registry, e.g. registry.example.com.
	Registry string `json:"registry,omitempty"`
	// PullSecretNames are the pods' imagePullSecrets.
	PullSecretNames []string `json:"pullSecretNames,omitempty"`
}

// PromExporter is the official chart's exporter section; the exporter
// itself is metrics (spec.pod.enableMetrics).
type PromExporter struct {
	PodMonitor PodMonitor `json:"podMonitor,omitzero"`
}

// PodMonitor is a Prometheus Operator PodMonitor of the exporter sidecars.
type PodMonitor struct {
	// Enabled renders a PodMonitor <name>; it needs metrics.enabled.
	Enabled bool `json:"enabled"`
	// Merge is merged into the PodMonitor (JSON merge: it has no Go type).
	Merge map[string]any `json:"merge,omitempty"`
	// Patch is applied to the PodMonitor (RFC 6902), after Merge.
	Patch []PatchOperation `json:"patch,omitempty"`
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
	// CalloutArgs are the callout sidecar's arguments (auth.callout).
	CalloutArgs []string `json:"calloutArgs,omitempty"`
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
	// CalloutDir is where the callout sidecar mounts its Secret.
	CalloutDir string `json:"calloutDir"`
}

// Image is the NATS server image.
type Image struct {
	// Repository is the image repository; the image is repository:tag.
	Repository string `json:"repository"`
	// Tag is the image tag, the NatsCluster's version.
	Tag string `json:"tag"`
	// PullPolicy is Always, IfNotPresent or Never.
	PullPolicy corev1.PullPolicy `json:"pullPolicy,omitempty"`
	// Ref is a full image reference that replaces repository:tag, e.g. a
	// digest for disconnected installs (RELATED_IMAGE_NATS).
	Ref string `json:"ref,omitempty"`
}

// Server holds server options that end up in nats.conf or on the command line.
type Server struct {
	// NoAdvertise stops advertising client URLs to clients (--no_advertise).
	NoAdvertise bool `json:"noAdvertise"`
	// ServerName writes server_name: $SERVER_NAME (the pod name by default).
	ServerName bool `json:"serverName"`
	// LameDuckDurationSeconds is lame_duck_duration; the termination grace
	// period is derived from it.
	LameDuckDurationSeconds int64 `json:"lameDuckDurationSeconds"`
	// ConnectRetries is --connect_retries for implicit routes.
	ConnectRetries int  `json:"connectRetries,omitzero"`
	Debug          bool `json:"debug"`
	Trace          bool `json:"trace"`
	Logtime        bool `json:"logtime"`
	// WriteDeadline is write_deadline, e.g. 10s; empty means the server default.
	WriteDeadline string `json:"writeDeadline"`
	// MaxConnections is max_connections; 0 means the server default, as
	// for the limits below.
	MaxConnections   int64 `json:"maxConnections"`
	MaxPayload       int64 `json:"maxPayload"`
	MaxPending       int64 `json:"maxPending"`
	MaxSubscriptions int64 `json:"maxSubscriptions"`
	MaxControlLine   int64 `json:"maxControlLine"`
}

// Routes are the routes beyond the generated full mesh.
type Routes struct {
	// Extra are route URLs appended to the generated full mesh.
	Extra []string `json:"extra"`
}

// TLS holds one block per protocol.
type TLS struct {
	Client    TLSBlock `json:"client"`
	Routes    TLSBlock `json:"routes"`
	Gateway   TLSBlock `json:"gateway"`
	Leafnodes TLSBlock `json:"leafnodes"`
	Websocket TLSBlock `json:"websocket"`
	// HTTPS serves monitoring over HTTPS (https_port) with the client certificate.
	HTTPS bool `json:"https"`
}

// TLSBlock is the TLS of one protocol; empty file names keep the chart's
// defaults (nats-operator's file names).
type TLSBlock struct {
	// Secret holds the certificate files; empty means no TLS.
	Secret string `json:"secret"`
	// Dir is where the Secret is mounted.
	Dir string `json:"dir,omitempty"`
	// CA, Cert and Key are file names in Dir, or absolute paths.
	CA   string `json:"ca,omitempty"`
	Cert string `json:"cert,omitempty"`
	Key  string `json:"key,omitempty"`
	// Timeout is the handshake timeout in seconds; 0 means the server default.
	Timeout float64 `json:"timeout"`
	// Verify requires client certificates.
	Verify bool `json:"verify,omitempty"`
	// VerifyAndMap maps client certificates to users.
	VerifyAndMap     bool     `json:"verifyAndMap,omitempty"`
	CipherSuites     []string `json:"cipherSuites,omitempty"`
	CurvePreferences []string `json:"curvePreferences,omitempty"`
}

// Gateway is the super-cluster listener.
type Gateway struct {
	Enabled bool `json:"enabled"`
	// Name is this cluster's name in the super-cluster.
	Name string `json:"name"`
	Port int    `json:"port,omitempty"`
	// HostPort exposes the gateway port as a host port.
	HostPort      bool `json:"hostPort"`
	RejectUnknown bool `json:"rejectUnknown"`
	// Gateways are the remote clusters.
	Gateways []RemoteGateway `json:"gateways"`
}

// RemoteGateway is a remote cluster.
type RemoteGateway struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Leafnodes is the leafnode listener and remotes.
type Leafnodes struct {
	// Enabled listens for leafnode connections on Port.
	Enabled  bool `json:"enabled"`
	Port     int  `json:"port,omitempty"`
	HostPort bool `json:"hostPort"`
	// Remotes are solicited with or without the listener.
	Remotes []LeafRemote `json:"remotes"`
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
	// Callout runs the auth callout sidecar (ServiceAccount-callout mode).
	Callout Callout `json:"callout"`
}

// Callout is the auth callout sidecar beside each NATS server: the
// operator's image running "callout", with the Secret of its keys mounted.
type Callout struct {
	Enabled bool `json:"enabled"`
	// SecretName is <cluster>-callout, mounted at generated.paths.calloutDir
	// in the sidecar only.
	SecretName string `json:"secretName"`
	// Image is the operator's image.
	Image string `json:"image"`
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
	Enabled bool `json:"enabled"`
	// Image is the sidecar's image reference.
	Image      string                      `json:"image"`
	PullPolicy corev1.PullPolicy           `json:"pullPolicy,omitempty"`
	Resources  corev1.ResourceRequirements `json:"resources"`
	// ServiceMonitor is the exporter's Prometheus Operator ServiceMonitor.
	ServiceMonitor *ServiceMonitor `json:"serviceMonitor,omitempty"`
}

// ServiceMonitor is the Prometheus Operator scrape configuration.
type ServiceMonitor struct {
	// Enabled renders a ServiceMonitor; it needs metrics.enabled.
	Enabled bool `json:"enabled"`
	// Labels are added to the ServiceMonitor (for a Prometheus selector).
	Labels map[string]string `json:"labels"`
	// Interval is the scrape interval, a Prometheus duration.
	Interval string `json:"interval"`
}

// JetStream is persistence.
type JetStream struct {
	Enabled bool `json:"enabled"`
	// Domain is the JetStream domain; empty means none.
	Domain string        `json:"domain"`
	Memory JetStreamMem  `json:"memory"`
	File   JetStreamFile `json:"file"`
}

// JetStreamMem is the memory store.
type JetStreamMem struct {
	// MaxBytes is max_memory_store; 0 disables the memory store.
	MaxBytes int64 `json:"maxBytes"`
}

// JetStreamFile is the file store and its PVC.
type JetStreamFile struct {
	Enabled bool `json:"enabled"`
	// Size is the PVC size per server.
	Size             string `json:"size"`
	StorageClassName string `json:"storageClassName"`
	// MaxBytes is max_file_store; the translator derives it from Size.
	MaxBytes int64 `json:"maxBytes"`
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
	// Labels are added to the pods; the operator's own labels win.
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	NodeSelector map[string]string `json:"nodeSelector"`
	// AntiAffinity requires the servers of one cluster on different nodes.
	AntiAffinity bool                `json:"antiAffinity"`
	Tolerations  []corev1.Toleration `json:"tolerations"`
	// Resources are the NATS container's.
	Resources corev1.ResourceRequirements `json:"resources"`
	// Env is appended to the NATS container's environment.
	Env []corev1.EnvVar `json:"env"`
	// VolumeMounts are appended to the NATS container's mounts.
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts"`
	// ClientHostPort exposes the client port as a host port.
	ClientHostPort bool `json:"clientHostPort"`
	// SecurityContext and ContainerSecurityContext default to what Pod
	// Security "restricted" asks for (values.yaml).
	SecurityContext          *corev1.PodSecurityContext `json:"securityContext,omitempty"`
	ContainerSecurityContext *corev1.SecurityContext    `json:"containerSecurityContext,omitempty"`
	// Template is the user's pod template as a plain map, so that the chart
	// sees only the fields the user set.
	Template map[string]any `json:"template"`
}

package v1alpha2

import (
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults that are not expressible as CRD defaults (they depend on other
// fields) live here, next to the types, so that the translator and the
// documentation share one source.
const (
	// DefaultServerImage is the image repository used when serverImage is empty.
	DefaultServerImage = "nats"
	// DefaultVersion is the NATS server version used when version is empty.
	DefaultVersion = "2.15.2"
	// DefaultLameDuckDurationSeconds matches the official NATS chart; the server
	// refuses anything shorter than 30s.
	DefaultLameDuckDurationSeconds = 30
)

// NatsCluster declares a NATS cluster: a StatefulSet of NATS servers that
// form a full mesh, a client Service, a headless management Service, the
// server configuration and a PodDisruptionBudget.
//
// The name is a DNS-1035 label of at most 52 characters: it is the Helm
// release name (at most 53), the StatefulSet's and the Services' name, and
// the StatefulSet's controller-revision-hash label <name>-<hash of up to 10
// characters> must stay a 63-character label value. The rule applies when
// the object has no status, that is on create (the API server drops status
// there): a NatsCluster stored before the rule, which always has a status
// once the operator has seen it, can still be updated, reported on and
// deleted. (optionalOldSelf would say "on create" directly, but needs
// Kubernetes 1.30.)
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=nats,categories=all;nats-io
// +kubebuilder:validation:XValidation:rule=`has(self.status) || (size(self.metadata.name) <= 52 && self.metadata.name.matches(r'^[a-z]([-a-z0-9]*[a-z0-9])?$'))`,message="metadata.name must be at most 52 characters of lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (a DNS-1035 label short enough for the Helm release, the Services and the StatefulSet's revision label): choose another name for the NatsCluster"
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.state`,description="Ready, Progressing, Degraded, Refused, AuthError, Paused or Pending"
// +kubebuilder:printcolumn:name="Size",type=integer,JSONPath=`.spec.size`,description="Desired number of NATS servers"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,description="Ready servers out of desired"
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.spec.version`,description="NATS server version"
// +kubebuilder:printcolumn:name="Deployed",type=string,JSONPath=`.status.conditions[?(@.type=="Deployed")].status`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +operator-sdk:csv:customresourcedefinitions:displayName="NATS Cluster",resources={{StatefulSet,v1,""},{Service,v1,""},{ConfigMap,v1,""},{PodDisruptionBudget,v1,""},{Secret,v1,""}}
type NatsCluster struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	Spec   ClusterSpec   `json:"spec,omitempty"`
	Status ClusterStatus `json:"status,omitempty"`
}

// NatsClusterList is a list of NatsCluster.
//
// +kubebuilder:object:root=true
type NatsClusterList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NatsCluster `json:"items"`
}

// ClusterSpec is the desired state of a NATS cluster. Every field keeps the
// JSON name it had in nats-io/nats-operator, so old manifests apply unchanged.
//
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.gatewaySecret) || has(self.gatewayConfig)",message="tls.gatewaySecret requires gatewayConfig: set spec.gatewayConfig or remove tls.gatewaySecret",fieldPath=".tls.gatewaySecret"
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.leafnodeSecret) || has(self.leafnodeConfig)",message="tls.leafnodeSecret requires leafnodeConfig: set spec.leafnodeConfig or remove tls.leafnodeSecret",fieldPath=".tls.leafnodeSecret"
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.websocketSecret) || has(self.websocketConfig)",message="tls.websocketSecret requires websocketConfig: set spec.websocketConfig or remove tls.websocketSecret",fieldPath=".tls.websocketSecret"
// +kubebuilder:validation:XValidation:rule="!has(self.auth) || !has(self.auth.serviceAccounts) || !has(self.auth.serviceAccounts.mode) || self.auth.serviceAccounts.mode != 'Callout' || (has(self.auth.enableServiceAccounts) && self.auth.enableServiceAccounts)",message="auth.serviceAccounts.mode Callout requires auth.enableServiceAccounts: true",fieldPath=".auth.serviceAccounts.mode"
// +kubebuilder:validation:XValidation:rule="!has(self.auth) || !has(self.auth.tlsVerifyAndMap) || !self.auth.tlsVerifyAndMap || (has(self.tls) && has(self.tls.serverSecret))",message="auth.tlsVerifyAndMap requires tls.serverSecret: client certificates can only be mapped when client TLS is on",fieldPath=".auth.tlsVerifyAndMap"
// +kubebuilder:validation:XValidation:rule="!has(self.tls) || !has(self.tls.enableHttps) || !self.tls.enableHttps || has(self.tls.serverSecret)",message="tls.enableHttps requires tls.serverSecret: the monitoring port serves the client certificate",fieldPath=".tls.enableHttps"
// +kubebuilder:validation:XValidation:rule="(has(self.jetstream) && (!has(self.jetstream.file) || !has(self.jetstream.file.enabled) || self.jetstream.file.enabled)) == (has(oldSelf.jetstream) && (!has(oldSelf.jetstream.file) || !has(oldSelf.jetstream.file.enabled) || oldSelf.jetstream.file.enabled))",message="the JetStream file store cannot be turned on or off on an existing NatsCluster: its volumes are part of the StatefulSet, which Kubernetes does not let change; create a new NatsCluster and move the streams",fieldPath=".jetstream"
type ClusterSpec struct {
	// Size is the number of NATS servers (StatefulSet replicas). Servers are
	// named <name>-0 … <name>-<size-1>.
	// At most 100: every server routes to every other one, so the mesh grows
	// with the square of the size.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=3
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Size",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:podCount"}
	// +optional
	Size *int32 `json:"size,omitempty"`

	// Version is the NATS server version, used as the image tag. A leading
	// "v" is ignored. Versions before 2.2 get a configuration without the
	// keys they do not know (cluster name, server name, health probes);
	// 1.x images run /gnatsd.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Version",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:text"}
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Version string `json:"version,omitempty"`

	// ServerImage is the image repository of the NATS server; the image is
	// serverImage:version. Default "nats".
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`
	ServerImage string `json:"serverImage,omitempty"`

	// NatsConfig holds extra server options written into nats.conf.
	// +optional
	NatsConfig *ServerConfig `json:"natsConfig,omitempty"`

	// UseServerName writes server_name: $SERVER_NAME. The operator sets
	// SERVER_NAME to the pod name unless natsEnv or the template define it.
	// +optional
	UseServerName bool `json:"useServerName,omitempty"`

	// Paused stops the operator from rolling out changes to this cluster:
	// nothing is rendered or applied, the running servers are left alone
	// and the Paused condition is True. Credentials stay current (the auth
	// Secret follows its sources and tokens are rotated; the servers reload
	// them without a restart), so a paused cluster never locks its clients
	// out. Deletion is never paused.
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Paused",xDescriptors={"urn:alm:descriptor:com.tectonic.ui:booleanSwitch"}
	// +optional
	Paused bool `json:"paused,omitempty"`

	// Pod is the policy applied to every NATS pod.
	// +optional
	Pod *PodPolicy `json:"pod,omitempty"`

	// TLS configures TLS for clients, routes, gateways, leafnodes, websocket
	// and the monitoring port.
	// +optional
	TLS *TLSConfig `json:"tls,omitempty"`

	// Auth configures client, route and gateway authentication.
	// +optional
	Auth *AuthConfig `json:"auth,omitempty"`

	// LameDuckDurationSeconds is how long a stopping server spends evicting
	// clients (lame_duck_duration). The pod's termination grace period is
	// derived from it. NATS refuses values below 30.
	// +kubebuilder:validation:Minimum=30
	// +optional
	// +kubebuilder:validation:Maximum=3600
	LameDuckDurationSeconds *int64 `json:"lameDuckDurationSeconds,omitempty"`

	// NoAdvertise stops servers from advertising their client URLs to
	// clients (--no_advertise).
	// +optional
	NoAdvertise bool `json:"noAdvertise,omitempty"`

	// Template is the base pod template. Its first container, or the one named
	// "nats", is the NATS container: its name, image, ports, command and
	// probes are set by the operator, everything else is kept. Other
	// containers, volumes, init containers, the service account and
	// template.metadata labels and annotations are kept.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	// +optional
	Template *corev1.PodTemplateSpec `json:"template,omitempty"`

	// ExtraRoutes are routes to servers outside this cluster.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	ExtraRoutes []*ExtraRoute `json:"extraRoutes,omitempty"`

	// GatewayConfig enables the gateway (super-cluster) listener.
	// +optional
	GatewayConfig *GatewayConfig `json:"gatewayConfig,omitempty"`

	// LeafNodeConfig enables the leafnode listener and remotes.
	// +optional
	LeafNodeConfig *LeafNodeConfig `json:"leafnodeConfig,omitempty"`

	// OperatorConfig enables decentralized JWT authentication.
	// +optional
	OperatorConfig *OperatorConfig `json:"operatorConfig,omitempty"`

	// WebsocketConfig enables the websocket listener.
	// +optional
	WebsocketConfig *WebsocketConfig `json:"websocketConfig,omitempty"`

	// ServicePolicy adds labels and annotations to the client Service.
	// +optional
	ServicePolicy *ServicePolicy `json:"servicePolicy,omitempty"`

	// ManagementServicePolicy adds labels and annotations to the headless
	// <name>-mgmt Service.
	// +optional
	ManagementServicePolicy *ServicePolicy `json:"managementServicePolicy,omitempty"`

	// JetStream enables persistence: a file store on a PersistentVolumeClaim
	// per server and, optionally, a memory store. Servers get a server_name
	// (the pod name) and JetStream-aware health probes.
	// +optional
	JetStream *JetStreamConfig `json:"jetstream,omitempty"`

	// ChartValues are helm-style values of the nats-cluster chart, merged
	// over the values the operator derives from this spec, last. They are the
	// escape hatch for anything the typed fields do not cover, e.g.
	// {"config": {"merge": {"max_traced_msg_len": 1024}}}. The chart's
	// values.schema.json refuses unknown or mistyped values.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	// +optional
	ChartValues *apiextensionsv1.JSON `json:"chartValues,omitempty"`
}

// JetStreamConfig configures JetStream.
type JetStreamConfig struct {
	// Memory enables the memory store.
	// +optional
	Memory *JetStreamMemory `json:"memory,omitempty"`
	// File configures the file store. It is on unless file.enabled is false.
	// +optional
	File *JetStreamFile `json:"file,omitempty"`
	// Domain is the JetStream domain.
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Domain string `json:"domain,omitempty"`
}

// JetStreamMemory configures the memory store.
type JetStreamMemory struct {
	// MaxSize is max_memory_store, e.g. 1Gi.
	// +kubebuilder:validation:XValidation:rule=`type(self) == int ? (self >= 1 && self <= 9007199254740991) : self.matches(r'^[1-9][0-9]{0,5}(\.[0-9]{1,3})?([kMGT]|[KMGT]i)?$')`,message="jetstream.memory.maxSize must be a whole number of bytes from 1 to 2^53-1, or at most 6 digits with an optional fraction of up to 3 digits and a unit k, M, G, T, Ki, Mi, Gi or Ti, e.g. 10Gi"
	MaxSize resource.Quantity `json:"maxSize"`
}

// JetStreamFile configures the file store.
//
// +kubebuilder:validation:XValidation:rule="has(self.size) == has(oldSelf.size) && (!has(self.size) || self.size == oldSelf.size)",message="jetstream.file.size cannot change on an existing NatsCluster: the volumes are part of the StatefulSet; resize the PersistentVolumeClaims themselves if the storage class allows it",fieldPath=".size"
// +kubebuilder:validation:XValidation:rule="has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",message="jetstream.file.storageClassName cannot change on an existing NatsCluster: the volumes are part of the StatefulSet",fieldPath=".storageClassName"
type JetStreamFile struct {
	// Enabled turns the file store off when false.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
	// Size of each server's PersistentVolumeClaim. Default 10Gi.
	// max_file_store is 90% of it: a formatted volume holds less than its
	// nominal size, and JetStream must hit its own limit before the disk is
	// full. Changing it later needs a StatefulSet recreation.
	// +optional
	// +kubebuilder:validation:XValidation:rule=`type(self) == int ? (self >= 1 && self <= 9007199254740991) : self.matches(r'^[1-9][0-9]{0,5}(\.[0-9]{1,3})?([kMGT]|[KMGT]i)?$')`,message="jetstream.file.size must be a whole number of bytes from 1 to 2^53-1, or at most 6 digits with an optional fraction of up to 3 digits and a unit k, M, G, T, Ki, Mi, Gi or Ti, e.g. 10Gi"
	Size *resource.Quantity `json:"size,omitempty"`
	// StorageClassName of the PersistentVolumeClaims; empty uses the
	// cluster's default class.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	StorageClassName string `json:"storageClassName,omitempty"`
	// WhenDeleted is what happens to the servers' PersistentVolumeClaims,
	// and the streams on them, when the NatsCluster is deleted: Delete (the
	// default, as the cluster itself: a new NatsCluster of the same name
	// starts empty instead of silently picking up old data) or Retain (keep
	// them for a new NatsCluster of the same name).
	// +optional
	// +kubebuilder:validation:Enum=Delete;Retain
	// +kubebuilder:default=Delete
	WhenDeleted string `json:"whenDeleted,omitempty"`
	// WhenScaled is what happens to the claims of the servers a scale-down
	// removes: Retain (the default: a server that comes back finds its
	// data) or Delete.
	// +optional
	// +kubebuilder:validation:Enum=Delete;Retain
	// +kubebuilder:default=Retain
	WhenScaled string `json:"whenScaled,omitempty"`
}

// Defaults of the claims' retention (JetStreamFile).
const (
	DefaultClaimsWhenDeleted = "Delete"
	DefaultClaimsWhenScaled  = "Retain"
)

// ServerConfig holds server options. Zero values are not written, as in
// nats-operator.
type ServerConfig struct {
	// Debug enables debug logging.
	// +optional
	Debug bool `json:"debug,omitempty"`
	// Trace enables protocol tracing.
	// +optional
	Trace bool `json:"trace,omitempty"`
	// WriteDeadline is the maximum time a write to a client may block, e.g.
	// "10s". The snake_case JSON name is kept from nats-operator.
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h)$`
	// +optional
	// +kubebuilder:validation:MaxLength=32
	WriteDeadline string `json:"write_deadline,omitempty"`
	// WriteDeadlineCamel is an alias of write_deadline: nats-operator's own
	// example used this spelling, which it silently ignored. Here it works;
	// write_deadline wins when both are set.
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h)$`
	// +optional
	// +kubebuilder:validation:MaxLength=32
	WriteDeadlineCamel string `json:"writeDeadline,omitempty"`
	// MaxConnections is the maximum number of client connections per server.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=2147483647
	MaxConnections int64 `json:"maxConnections,omitempty"`
	// MaxPayload is the maximum message payload in bytes.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=2147483647
	MaxPayload int64 `json:"maxPayload,omitempty"`
	// MaxPending is the maximum bytes buffered for a client connection.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=1099511627776
	MaxPending int64 `json:"maxPending,omitempty"`
	// MaxSubscriptions is the maximum number of subscriptions per connection.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=2147483647
	MaxSubscriptions int64 `json:"maxSubscriptions,omitempty"`
	// MaxControlLine is the maximum length of a protocol line in bytes.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=2147483647
	MaxControlLine int64 `json:"maxControlLine,omitempty"`
	// DisableLogtime turns off timestamps in the server log.
	// +optional
	DisableLogtime bool `json:"disableLogtime,omitempty"`
}

// TLSConfig names the Secrets that hold TLS material. File names default to
// the ones nats-operator used; cert-manager Secrets need ca.crt, tls.crt and
// tls.key set explicitly. A file name may be an absolute path, e.g. a CA
// bundle mounted through template.
type TLSConfig struct {
	// ServerSecret holds the client TLS certificate, mounted at
	// /etc/nats-server-tls-certs.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ServerSecret string `json:"serverSecret,omitempty"`
	// ServerSecretCAFileName is the key of the CA bundle for client TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="ca.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	ServerSecretCAFileName string `json:"serverSecretCAFileName,omitempty"`
	// ServerSecretKeyFileName is the key of the private key for client TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server-key.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	ServerSecretKeyFileName string `json:"serverSecretKeyFileName,omitempty"`
	// ServerSecretCertFileName is the key of the certificate for client TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	ServerSecretCertFileName string `json:"serverSecretCertFileName,omitempty"`

	// RoutesSecret holds the route TLS certificate, mounted at
	// /etc/nats-routes-tls-certs. Its SANs must cover *.<name>-mgmt.<ns>.svc.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	RoutesSecret string `json:"routesSecret,omitempty"`
	// RoutesSecretCAFileName is the key of the CA bundle for route TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="ca.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	RoutesSecretCAFileName string `json:"routesSecretCAFileName,omitempty"`
	// RoutesSecretKeyFileName is the key of the private key for route TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="route-key.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	RoutesSecretKeyFileName string `json:"routesSecretKeyFileName,omitempty"`
	// RoutesSecretCertFileName is the key of the certificate for route TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="route.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	RoutesSecretCertFileName string `json:"routesSecretCertFileName,omitempty"`

	// GatewaySecret holds the gateway TLS certificate, mounted at
	// /etc/nats-gateways-tls-certs. Requires gatewayConfig.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	GatewaySecret string `json:"gatewaySecret,omitempty"`
	// GatewaySecretCAFileName is the key of the CA bundle for gateway TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="ca.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	GatewaySecretCAFileName string `json:"gatewaySecretCAFileName,omitempty"`
	// GatewaySecretKeyFileName is the key of the private key for gateway TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server-key.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	GatewaySecretKeyFileName string `json:"gatewaySecretKeyFileName,omitempty"`
	// GatewaySecretCertFileName is the key of the certificate for gateway TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	GatewaySecretCertFileName string `json:"gatewaySecretCertFileName,omitempty"`

	// LeafnodeSecret holds the leafnode TLS certificate, mounted at
	// /etc/nats-leafnodes-tls-certs. Requires leafnodeConfig.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	LeafnodeSecret string `json:"leafnodeSecret,omitempty"`
	// LeafnodeSecretCAFileName is the key of the CA bundle for leafnode TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="ca.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	LeafnodeSecretCAFileName string `json:"leafnodeSecretCAFileName,omitempty"`
	// LeafnodeSecretKeyFileName is the key of the private key for leafnode TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server-key.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	LeafnodeSecretKeyFileName string `json:"leafnodeSecretKeyFileName,omitempty"`
	// LeafnodeSecretCertFileName is the key of the certificate for leafnode TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	LeafnodeSecretCertFileName string `json:"leafnodeSecretCertFileName,omitempty"`

	// WebsocketSecret holds the websocket TLS certificate, mounted at
	// /etc/nats-websocket-tls-certs. Requires websocketConfig.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	WebsocketSecret string `json:"websocketSecret,omitempty"`
	// WebsocketSecretCAFileName is the key of the CA bundle for websocket TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="ca.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	WebsocketSecretCAFileName string `json:"websocketSecretCAFileName,omitempty"`
	// WebsocketSecretKeyFileName is the key of the private key for websocket TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server-key.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	WebsocketSecretKeyFileName string `json:"websocketSecretKeyFileName,omitempty"`
	// WebsocketSecretCertFileName is the key of the certificate for websocket TLS in the Secret, or an
	// absolute path inside the pod.
	// +kubebuilder:default="server.pem"
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^([-._a-zA-Z0-9]+|/[-._a-zA-Z0-9/+@=,:~]+)$`
	WebsocketSecretCertFileName string `json:"websocketSecretCertFileName,omitempty"`

	// WebsocketTLSTimeout is the websocket TLS handshake timeout in seconds.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	WebsocketTLSTimeout float64 `json:"websocketTLSTimeout,omitempty"`

	// EnableHTTPS serves monitoring over HTTPS on 8222 with the client
	// certificate; probes and the metrics exporter follow.
	// +optional
	EnableHTTPS bool `json:"enableHttps,omitempty"`

	// ClientsTLSTimeout is the client TLS handshake timeout in seconds.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	ClientsTLSTimeout float64 `json:"clientsTLSTimeout,omitempty"`
	// RoutesTLSTimeout is the route TLS handshake timeout in seconds.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	RoutesTLSTimeout float64 `json:"routesTLSTimeout,omitempty"`
	// GatewaysTLSTimeout is the gateway TLS handshake timeout in seconds.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	GatewaysTLSTimeout float64 `json:"gatewaysTLSTimeout,omitempty"`
	// LeafnodesTLSTimeout is the leafnode TLS handshake timeout in seconds.
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	LeafnodesTLSTimeout float64 `json:"leafnodesTLSTimeout,omitempty"`

	// Verify requires client certificates (mutual TLS for clients).
	// +optional
	Verify bool `json:"verify,omitempty"`
	// CipherSuites restricts the client TLS cipher suites.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9_]+$`
	CipherSuites []string `json:"cipherSuites,omitempty"`
	// CurvePreferences orders the client TLS curves.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=64
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z0-9_]+$`
	CurvePreferences []string `json:"curvePreferences,omitempty"`
}

// PodPolicy is applied to every NATS pod.
type PodPolicy struct {
	// Labels are added to the pods. Labels the operator sets (app,
	// nats_cluster, nats_version, app.kubernetes.io/*) cannot be overridden.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches(r'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$') && (!k.contains('/') || k.matches(r'^[^/]{1,253}/')))`,message="label keys must be qualified names: an optional DNS subdomain prefix of at most 253 characters and a '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, size(self[k]) <= 63)`,message="label values must be at most 63 characters"
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are added to the pods.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches(r'^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$') && (!k.contains('/') || k.matches(r'^[^/]{1,253}/')))`,message="annotation keys must be qualified names: an optional DNS subdomain prefix of at most 253 characters and a '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, size(self[k]) <= 4096)`,message="annotation values must be at most 4096 characters"
	Annotations map[string]string `json:"annotations,omitempty"`
	// NodeSelector replaces the pod's node selector.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches(r'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$') && (!k.contains('/') || k.matches(r'^[^/]{1,253}/')))`,message="label keys must be qualified names: an optional DNS subdomain prefix of at most 253 characters and a '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, size(self[k]) <= 63)`,message="label values must be at most 63 characters"
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// AntiAffinity requires NATS pods of this cluster to run on different
	// nodes.
	// +optional
	AntiAffinity bool `json:"antiAffinity,omitempty"`
	// Resources of the NATS container.
	// +optional
	// +kubebuilder:validation:XValidation:rule="(!has(self.limits) || size(self.limits) <= 16) && (!has(self.requests) || size(self.requests) <= 16) && (!has(self.claims) || size(self.claims) <= 16)",message="resources may name at most 16 limits, 16 requests and 16 claims"
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// Tolerations replace the pod's tolerations.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// NatsEnv is appended to the NATS container's environment.
	// +optional
	// +kubebuilder:validation:MaxItems=128
	NatsEnv []corev1.EnvVar `json:"natsEnv,omitempty"`

	// EnableConfigReload adds the config reloader sidecar, which signals the
	// server when nats.conf, an auth include file or a TLS file changes.
	// +optional
	EnableConfigReload bool `json:"enableConfigReload,omitempty"`
	// ReloaderImage is the reloader image repository.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`
	ReloaderImage string `json:"reloaderImage,omitempty"`
	// ReloaderImageTag is the reloader image tag.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`
	ReloaderImageTag string `json:"reloaderImageTag,omitempty"`
	// ReloaderImagePullPolicy is the reloader image pull policy.
	// +optional
	// +kubebuilder:validation:Enum=Always;Never;IfNotPresent
	ReloaderImagePullPolicy corev1.PullPolicy `json:"reloaderImagePullPolicy,omitempty"`
	// ReloaderResources are the reloader container's resources.
	// +optional
	// +kubebuilder:validation:XValidation:rule="(!has(self.limits) || size(self.limits) <= 16) && (!has(self.requests) || size(self.requests) <= 16) && (!has(self.claims) || size(self.claims) <= 16)",message="resources may name at most 16 limits, 16 requests and 16 claims"
	ReloaderResources corev1.ResourceRequirements `json:"reloaderResources,omitempty"`

	// EnableMetrics adds the Prometheus exporter sidecar on port 7777.
	// +optional
	EnableMetrics bool `json:"enableMetrics,omitempty"`
	// MetricsImage is the exporter image repository.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`
	MetricsImage string `json:"metricsImage,omitempty"`
	// MetricsImageTag is the exporter image tag.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`
	MetricsImageTag string `json:"metricsImageTag,omitempty"`
	// MetricsImagePullPolicy is the exporter image pull policy.
	// +optional
	// +kubebuilder:validation:Enum=Always;Never;IfNotPresent
	MetricsImagePullPolicy corev1.PullPolicy `json:"metricsImagePullPolicy,omitempty"`

	// EnableClientsHostPort exposes the client port 4222 as a host port.
	// +optional
	EnableClientsHostPort bool `json:"enableClientsHostPort,omitempty"`
	// DisableGatewaysHostPort stops exposing the gateway port as a host port.
	// +optional
	DisableGatewaysHostPort bool `json:"disableGatewaysHostPort,omitempty"`
	// DisableLeafnodesHostPort stops exposing the leafnode port as a host port.
	// +optional
	DisableLeafnodesHostPort bool `json:"disableLeafnodesHostPort,omitempty"`
	// DisableWebsocketsHostPort stops exposing the websocket port as a host port.
	// +optional
	DisableWebsocketsHostPort bool `json:"disableWebsocketsHostPort,omitempty"`

	// AdvertiseExternalIP makes servers advertise their node's external IP,
	// discovered by an init container.
	// +optional
	AdvertiseExternalIP bool `json:"advertiseExternalIP,omitempty"`
	// BootConfigImage is the boot-config init container image repository.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`
	BootConfigImage string `json:"bootconfigImage,omitempty"`
	// BootConfigImageTag is the boot-config init container image tag.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`
	BootConfigImageTag string `json:"bootconfigImageTag,omitempty"`

	// VolumeMounts are appended to the NATS container (and the reloader); the
	// volumes come from template.spec.volumes.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts,omitempty"`
}

// AuthConfig configures authentication.
type AuthConfig struct {
	// EnableServiceAccounts adds one user per NatsServiceRole, authenticated
	// by a ServiceAccount token issued through the TokenRequest API.
	// +optional
	EnableServiceAccounts bool `json:"enableServiceAccounts,omitempty"`
	// ClientsAuthSecret names a Secret holding the client authorization
	// block as JSON.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ClientsAuthSecret string `json:"clientsAuthSecret,omitempty"`
	// ClientsAuthFile is a path, relative to /etc/nats-config, of a file
	// holding the client authorization block.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9/+@=,:~]+$`
	// +kubebuilder:validation:XValidation:rule=`!self.matches(r'(^|/)\.\.(/|$)')`,message="auth.clientsAuthFile must not contain a '..' path segment: name a file under /etc/nats-config"
	ClientsAuthFile string `json:"clientsAuthFile,omitempty"`
	// ClientsAuthTimeout overrides the client authorization timeout (seconds).
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	ClientsAuthTimeout int `json:"clientsAuthTimeout,omitempty"`
	// TLSVerifyAndMap maps client certificates to users. Requires
	// tls.serverSecret.
	// +optional
	TLSVerifyAndMap bool `json:"tlsVerifyAndMap,omitempty"`
	// ClusterAuthSecret names a Secret holding the route authorization
	// (username and password) as JSON.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	ClusterAuthSecret string `json:"clusterAuthSecret,omitempty"`
	// ClusterAuthTimeout overrides the route authorization timeout (seconds).
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	ClusterAuthTimeout int `json:"clusterAuthTimeout,omitempty"`
	// GatewayAuthSecret names a Secret holding the gateway authorization as
	// JSON.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	GatewayAuthSecret string `json:"gatewayAuthSecret,omitempty"`
	// GatewayAuthTimeout overrides the gateway authorization timeout (seconds).
	// +kubebuilder:validation:Minimum=0
	// +optional
	// +kubebuilder:validation:Maximum=3600
	GatewayAuthTimeout int `json:"gatewayAuthTimeout,omitempty"`
	// ServiceAccountTokenExpirationSeconds is the lifetime requested for the
	// ServiceAccount tokens of enableServiceAccounts (default 3600). The
	// operator issues a new token once 80% of it has passed; NATS then
	// disconnects the clients still using the old one, so pick a lifetime
	// that matches how often the applications may reconnect.
	// +kubebuilder:validation:Minimum=600
	// +optional
	// +kubebuilder:validation:Maximum=4294967296
	ServiceAccountTokenExpirationSeconds *int64 `json:"serviceAccountTokenExpirationSeconds,omitempty"`
	// ServiceAccounts chooses how the users of enableServiceAccounts
	// authenticate.
	// +optional
	ServiceAccounts *ServiceAccountsAuth `json:"serviceAccounts,omitempty"`
}

// ServiceAccountsMode is how the users of enableServiceAccounts
// authenticate.
// +kubebuilder:validation:Enum=TokenSecret;Callout
type ServiceAccountsMode string

const (
	// ServiceAccountsTokenSecret is nats-operator's behavior and the
	// default: the operator issues each role's ServiceAccount a token into
	// the Secret <role>-<cluster>-bound-token, and the token is the user's
	// NATS password.
	ServiceAccountsTokenSecret ServiceAccountsMode = "TokenSecret"
	// ServiceAccountsCallout: clients connect with their own projected
	// ServiceAccount token (audience nats://<cluster>.<namespace>.svc),
	// which the servers verify at connect time through an auth callout;
	// the operator issues no tokens. In preview: docs/auth.md, "Callout
	// mode", says what is still missing.
	ServiceAccountsCallout ServiceAccountsMode = "Callout"
)

// ServiceAccountsAuth configures the users of enableServiceAccounts.
type ServiceAccountsAuth struct {
	// Mode is TokenSecret (the default) or Callout.
	// +optional
	Mode ServiceAccountsMode `json:"mode,omitempty"`
}

// CalloutMode tells whether the ServiceAccount users of a NatsCluster
// authenticate through the auth callout.
func (a *AuthConfig) CalloutMode() bool {
	return a != nil && a.EnableServiceAccounts && a.ServiceAccounts != nil && a.ServiceAccounts.Mode == ServiceAccountsCallout
}

// ExtraRoute is a route to a server outside this cluster.
type ExtraRoute struct {
	// Cluster names another NatsCluster in the same namespace; the route is
	// nats://<cluster>-mgmt:6222.
	// +optional
	// +kubebuilder:validation:MaxLength=52
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Cluster string `json:"cluster,omitempty"`
	// Route is a route URL used verbatim, e.g. nats://host:6222.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9+.-]*://[^\s"<>{}|\\^]+$`
	Route string `json:"route,omitempty"`
}

// GatewayConfig configures the gateway listener.
type GatewayConfig struct {
	// Name of this cluster in the super-cluster: letters, digits, '_', '.'
	// and '-'.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.-]+$`
	Name string `json:"name"`
	// Port is the gateway port (JSON name hostPort, as in nats-operator); it
	// is also exposed as a host port unless pod.disableGatewaysHostPort.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int `json:"hostPort,omitempty"`
	// RejectUnknown rejects gateways that are not listed.
	// +optional
	RejectUnknown bool `json:"rejectUnknown,omitempty"`
	// Gateways are the remote clusters.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Gateways []*RemoteGatewayOpts `json:"gateways,omitempty"`
}

// RemoteGatewayOpts is a remote gateway.
type RemoteGatewayOpts struct {
	// Name of the remote cluster: letters, digits, '_', '.' and '-'.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_.-]+$`
	Name string `json:"name"`
	// URL of the remote gateway.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9+.-]*://[^\s"<>{}|\\^]+$`
	URL string `json:"url"`
}

// LeafNodeConfig configures the leafnode listener and remotes.
type LeafNodeConfig struct {
	// Port is the leafnode port (JSON name hostPort, as in nats-operator).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=65535
	// +optional
	Port int `json:"hostPort,omitempty"`
	// Remotes are the leafnode connections this cluster solicits.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Remotes []*RemoteLeafnodeOpts `json:"remotes,omitempty"`
}

// RemoteLeafnodeOpts is a leafnode remote.
type RemoteLeafnodeOpts struct {
	// URL of the remote.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[A-Za-z][A-Za-z0-9+.-]*://[^\s"<>{}|\\^]+$`
	URL string `json:"url,omitempty"`
	// URLs of the remote, tried in turn.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=1024
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z][A-Za-z0-9+.-]*://[^\s"<>{}|\\^]+$`
	URLs []string `json:"urls,omitempty"`
	// Credentials is the path of a credentials file inside the pod.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9/+@=,:~]+$`
	Credentials string `json:"credentials,omitempty"`
}

// OperatorConfig configures JWT (decentralized) authentication.
type OperatorConfig struct {
	// Secret holds the operator JWT under the key op.jwt; it is mounted at
	// /etc/nats-operator.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Secret string `json:"secret"`
	// SystemAccount is the public key of the system account.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	SystemAccount string `json:"systemAccount,omitempty"`
	// Resolver is the account resolver, e.g. URL(http://nats-account-server:9090/jwt/v1/accounts/).
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:Pattern=`^(MEMORY|URL\([^\s"<>{}|\\^()]+\))$`
	Resolver string `json:"resolver,omitempty"`
}

// WebsocketConfig configures the websocket listener.
type WebsocketConfig struct {
	// Port of the websocket listener.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=65535
	Port int `json:"port"`
	// HandshakeTimeout, e.g. "2s".
	// +optional
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h)$`
	HandshakeTimeout string `json:"handshakeTimeout,omitempty"`
	// Compression enables websocket compression.
	// +optional
	Compression bool `json:"compression,omitempty"`
}

// ServicePolicy adds metadata to a Service.
type ServicePolicy struct {
	// Labels added to the Service.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches(r'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$') && (!k.contains('/') || k.matches(r'^[^/]{1,253}/')))`,message="label keys must be qualified names: an optional DNS subdomain prefix of at most 253 characters and a '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, size(self[k]) <= 63)`,message="label values must be at most 63 characters"
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations added to the Service.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule=`self.all(k, k.matches(r'^([A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$') && (!k.contains('/') || k.matches(r'^[^/]{1,253}/')))`,message="annotation keys must be qualified names: an optional DNS subdomain prefix of at most 253 characters and a '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
	// +kubebuilder:validation:XValidation:rule=`self.all(k, size(self[k]) <= 4096)`,message="annotation values must be at most 4096 characters"
	Annotations map[string]string `json:"annotations,omitempty"`
}

// ClusterStatus has one writer per field set, each a server-side apply
// with its own field manager: the Helm reconciler owns deployedRelease and
// the Helm condition types; the Ready controller owns Ready and state; the
// auth controller owns AuthReady.
type ClusterStatus struct {
	// State says at a glance whether the cluster is fine, derived from the
	// conditions: Ready (every server ready), Progressing (a rollout or
	// scale is under way), Degraded (servers not ready), Refused (the last
	// change was not applied, the previous release keeps running; see
	// ReleaseFailed), AuthError (see AuthReady), Paused (spec.paused) or
	// Pending (not deployed yet).
	// +optional
	// +kubebuilder:validation:Enum=Pending;Ready;Progressing;Degraded;Refused;AuthError;Paused
	State ClusterState `json:"state,omitempty"`

	// Conditions of the cluster, one per type.
	// +listType=map
	// +listMapKey=type
	// +operator-sdk:csv:customresourcedefinitions:type=status,displayName="Conditions",xDescriptors={"urn:alm:descriptor:io.kubernetes.conditions"}
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Conditions []Condition `json:"conditions,omitempty"`

	// DeployedRelease is the Helm release that is running.
	// +optional
	DeployedRelease *DeployedRelease `json:"deployedRelease,omitempty"`
}

// ClusterState is the one-word summary of a NatsCluster's conditions.
type ClusterState string

// The states of a NatsCluster, in the order they win: a refused change
// is reported before servers that are not ready.
const (
	StatePaused      ClusterState = "Paused"
	StateRefused     ClusterState = "Refused"
	StateAuthError   ClusterState = "AuthError"
	StatePending     ClusterState = "Pending"
	StateProgressing ClusterState = "Progressing"
	StateDegraded    ClusterState = "Degraded"
	StateReady       ClusterState = "Ready"
)

// Condition is the condition shape both writers agree on. It is looser than
// metav1.Condition because the Helm reconciler writes conditions without a
// reason.
type Condition struct {
	// Type of the condition, e.g. Deployed or Ready.
	// +kubebuilder:validation:MaxLength=316
	Type string `json:"type"`
	// Status is True, False or Unknown.
	// +kubebuilder:validation:Enum=True;False;Unknown
	Status metav1.ConditionStatus `json:"status"`
	// Reason is a CamelCase word for the last transition.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason,omitempty"`
	// Message is a human-readable explanation.
	// +optional
	// +kubebuilder:validation:MaxLength=32768
	Message string `json:"message,omitempty"`
	// LastTransitionTime is when the status last changed.
	// +optional
	LastTransitionTime metav1.Time `json:"lastTransitionTime,omitempty"`
	// ObservedGeneration is the NatsCluster generation the condition
	// speaks of: for Deployed, the spec the running release was made from;
	// for Ready, that spec's servers. kubectl wait waits while it is behind
	// metadata.generation.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// DeployedRelease names the running Helm release. Its manifest is not
// copied here: it would make every NatsCluster as large as everything it
// renders (`helm get manifest <name>` shows it).
type DeployedRelease struct {
	// Name of the release.
	// +kubebuilder:validation:MaxLength=53
	// +optional
	Name string `json:"name,omitempty"`
	// Digest of the release's manifest, "sha256:<hex>": it changes exactly
	// when what the release renders changes.
	// +kubebuilder:validation:MaxLength=71
	// +optional
	Digest string `json:"digest,omitempty"`
}

func init() {
	SchemeBuilder.Register(&NatsCluster{}, &NatsClusterList{})
}

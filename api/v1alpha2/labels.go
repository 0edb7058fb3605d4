package v1alpha2

// The labels, annotations and finalizers the operator reads and writes, in
// one place.

// ClusterLabel is the label that binds a NatsServiceRole to the NatsCluster
// of the same namespace whose name it holds.
const ClusterLabel = "nats_cluster"

// Labels and annotations the operator sets on what it manages.
const (
	// LabelApp and LabelCluster are the pod labels nats-operator used; kept so
	// that existing selectors (NetworkPolicies, ServiceMonitors) still match.
	LabelApp     = "app"
	LabelCluster = ClusterLabel
	LabelVersion = "nats_version"
	// LabelManagedBy marks every object the operator manages: what the chart
	// renders, the Helm release Secrets and the Secrets of the Go
	// controllers. The manager's cache holds only objects with this label.
	// It is not app.kubernetes.io/managed-by because Helm forces that one to
	// "Helm" on every object it applies.
	LabelManagedBy = "nats.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "nats-operator"
)

// Labels and annotations of the Secrets the auth controllers write.
const (
	// LabelComponent tells the operator's Secrets apart: auth or
	// service-role-token.
	LabelComponent = "app.kubernetes.io/component"
	// ComponentAuth marks <cluster>-auth.
	ComponentAuth = "auth"
	// ComponentServiceRoleToken marks <role>-<cluster>-bound-token.
	ComponentServiceRoleToken = "service-role-token"
	// LabelClusterNamespace is the namespace of the NatsCluster a token
	// Secret belongs to (the Secret may live in another namespace).
	LabelClusterNamespace = "nats.io/cluster-namespace"
	// LabelServiceRole is the NatsServiceRole a token Secret belongs to; the
	// role lives in the cluster's namespace.
	LabelServiceRole = "nats.io/service-role"
	// AnnotationTokenRenewAt is when the operator replaces the token (RFC
	// 3339): 80% of the lifetime the API server granted.
	AnnotationTokenRenewAt = "nats.io/token-renew-at"
	// AnnotationTokenExpiresAt is when the token expires (RFC 3339).
	AnnotationTokenExpiresAt = "nats.io/token-expires-at"
	// AnnotationTokenAudience is the audience the token was issued for.
	AnnotationTokenAudience = "nats.io/token-audience"
	// AnnotationTokenExpirationSeconds is the lifetime that was requested;
	// a change of spec.auth.serviceAccountTokenExpirationSeconds re-issues.
	AnnotationTokenExpirationSeconds = "nats.io/token-expiration-seconds"
	// ServiceRoleFinalizer removes a role's token Secrets from every
	// namespace before the role goes away.
	ServiceRoleFinalizer = "nats.io/service-role-tokens"
)

package v1alpha2

// Condition types the operator's Go controllers add to NatsCluster.status.
// The Helm reconciler owns Initialized, Deployed, ReleaseFailed,
// Irreconcilable and Paused.
const (
	// ConditionReady is True when every desired server is ready. Its message
	// is "<ready>/<desired>", shown in the Ready printer column.
	ConditionReady = "Ready"
	// ConditionAuthReady is True when the auth Secrets the chart mounts are
	// up to date with their sources.
	ConditionAuthReady = "AuthReady"
)

// Reasons for ConditionReady.
const (
	ReasonAllReplicasReady = "AllReplicasReady"
	ReasonReplicasNotReady = "ReplicasNotReady"
	// ReasonRollingOut: the StatefulSet has not yet brought every server
	// to the current spec (a rollout or a scale is under way).
	ReasonRollingOut         = "RollingOut"
	ReasonStatefulSetMissing = "StatefulSetMissing"
)

// Condition types the Helm reconciler writes (helm-operator-plugins).
const (
	ConditionDeployed       = "Deployed"
	ConditionIrreconcilable = "Irreconcilable"
	ConditionReleaseFailed  = "ReleaseFailed"
	ConditionPaused         = "Paused"
)

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

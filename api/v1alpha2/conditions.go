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

package v1alpha2

// Reasons of the AuthReady condition on a NatsCluster (ConditionAuthReady).
// Each False reason is also the reason of the Warning Event that says what
// to fix; while AuthReady is False for a reason other than
// ServiceAccountMissing, the last good <cluster>-auth Secret stays in force.
const (
	// ReasonAuthConfigured: <cluster>-auth matches spec.auth, the referenced
	// Secrets and the NatsServiceRoles.
	ReasonAuthConfigured = "AuthConfigured"
	// ReasonAuthNotConfigured: spec.auth references no Secret and does not
	// enable ServiceAccounts, so the operator writes no auth Secret.
	ReasonAuthNotConfigured = "AuthNotConfigured"
	// ReasonAuthSecretMissing: a Secret named in spec.auth does not exist.
	ReasonAuthSecretMissing = "AuthSecretMissing"
	// ReasonAuthSecretInvalid: a Secret named in spec.auth has no usable key,
	// or its value is not JSON of the expected shape.
	ReasonAuthSecretInvalid = "AuthSecretInvalid"
	// ReasonAuthConflict: the sources cannot be combined, e.g. a token in
	// clientsAuthSecret together with ServiceAccount users, or a user name
	// defined twice.
	ReasonAuthConflict = "AuthConflict"
	// ReasonAuthConfigInvalid: nats-server refuses the generated config.
	ReasonAuthConfigInvalid = "AuthConfigInvalid"
	// ReasonServiceAccountMissing: a NatsServiceRole of the cluster has no
	// ServiceAccount of its name in a watched namespace, so it has no user.
	// The rest of the config is written.
	ReasonServiceAccountMissing = "ServiceAccountMissing"
	// ReasonTokenSecretConflict: the token Secret name is taken by an object
	// the operator does not manage for this cluster.
	ReasonTokenSecretConflict = "TokenSecretConflict"
	// ReasonTokenRequestFailed: the TokenRequest API refused a token; the
	// operator retries with backoff.
	ReasonTokenRequestFailed = "TokenRequestFailed"
	// ReasonTokenSecretsDisabled: the cluster uses the token-Secret mode and
	// the operator was installed without it (--token-secrets=false).
	ReasonTokenSecretsDisabled = "TokenSecretsDisabled"
	// ReasonCalloutCertificateUnusable: in callout mode with spec.tls.verify
	// the callout sidecar presents the certificate of spec.tls.serverSecret
	// to its server, and that certificate is not valid for client
	// authentication. The rest of the config is written.
	ReasonCalloutCertificateUnusable = "CalloutCertificateUnusable"
)

// Event reasons of the auth controllers for changes (Normal Events).
const (
	// ReasonAuthSecretUpdated: <cluster>-auth was created or changed.
	ReasonAuthSecretUpdated = "AuthSecretUpdated"
	// ReasonTokenIssued: a ServiceAccount token was issued or rotated.
	ReasonTokenIssued = "TokenIssued"
	// ReasonTokenSecretDeleted: a token Secret was removed because its role,
	// ServiceAccount or cluster is gone.
	ReasonTokenSecretDeleted = "TokenSecretDeleted"
)

// ServiceRoleConditionReady is the condition type on a NatsServiceRole: True
// when every ServiceAccount of the role's name has a token Secret.
const ServiceRoleConditionReady = "Ready"

// Reasons of the NatsServiceRole Ready condition (ReasonTokenIssued and
// ReasonServiceAccountMissing are shared with the cluster).
const (
	// ReasonClusterLabelMissing: the role has no nats_cluster label.
	ReasonClusterLabelMissing = "ClusterLabelMissing"
	// ReasonClusterNotFound: no NatsCluster of the labeled name exists in
	// the role's namespace.
	ReasonClusterNotFound = "ClusterNotFound"
	// ReasonServiceAccountsDisabled: the cluster does not set
	// spec.auth.enableServiceAccounts.
	ReasonServiceAccountsDisabled = "ServiceAccountsDisabled"
	// ReasonTokenPending: a ServiceAccount has no token Secret yet.
	ReasonTokenPending = "TokenPending"
)

// Package installmodes holds the integration tests of the operator's install
// modes on a real API server: namespace-scoped (OwnNamespace and
// SingleNamespace in OLM, config/default, the chart's watchNamespaces) and
// cluster-scoped (AllNamespaces, config/cluster-scoped, clusterScoped: true,
// or nats-operator's --feature-gates=ClusterScoped=true).
package installmodes

// Package auth turns the sources of a NatsCluster's authentication into the
// NATS config fragments of the operator-owned <cluster>-auth Secret: the
// JSON of the Secrets named in spec.auth (clientsAuthSecret,
// clusterAuthSecret, gatewayAuthSecret) and the users of the
// NatsServiceRoles. It is pure: no API access, every output is checked by
// nats-server's own config parser, and no error message carries a password
// or token.
//
// A fragment is the body of a block, without braces; the chart includes it
// as
//
//	authorization { include "auth/clients.conf" }
//	cluster { authorization { include "auth/cluster.conf" } }
//
// (include paths are relative to nats.conf, the Secret being mounted at
// /etc/nats-config/auth/),
// so the rendered release never holds secret material.
package auth

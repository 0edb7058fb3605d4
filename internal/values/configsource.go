package values

import (
	"encoding/json"
	"strings"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// ConfigSource names the NatsCluster field behind a key of the generated
// nats.conf (a dotted path such as "tls.cipher_suites"), so that a refusal
// by nats-server tells the user what to change in the CR they wrote. A key
// spec.chartValues.config.merge sets is traced there first, since the
// merge wins over the typed fields. "" when no field sets the key.
func ConfigSource(nc *natsv1alpha2.NatsCluster, key string) string {
	if path, ok := mergePath(nc, key); ok {
		return "spec.chartValues.config.merge." + path
	}
	return configFields[strings.ToLower(key)]
}

// mergePath is key as spelled in spec.chartValues.config.merge, if the merge
// sets it (nats-server matches keys regardless of case).
func mergePath(nc *natsv1alpha2.NatsCluster, key string) (string, bool) {
	if nc.Spec.ChartValues == nil || len(nc.Spec.ChartValues.Raw) == 0 {
		return "", false
	}
	var user struct {
		Config struct {
			Merge map[string]any `json:"merge"`
		} `json:"config"`
	}
	if json.Unmarshal(nc.Spec.ChartValues.Raw, &user) != nil {
		return "", false
	}
	var spelled []string
	var node any = user.Config.Merge
	for _, part := range strings.Split(key, ".") {
		m, ok := node.(map[string]any)
		if !ok {
			return "", false
		}
		found := false
		for k, v := range m {
			if strings.EqualFold(k, part) {
				spelled, node, found = append(spelled, k), v, true
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return strings.Join(spelled, "."), len(spelled) > 0
}

// operatorOwned marks the keys no spec field sets: the operator writes them
// from its own layout (ports, paths, the route list, includes).
const operatorOwned = ""

// configFields maps every key configMap writes to the typed field it comes
// from (TestConfigFieldsCoverEveryKey keeps it complete). spec.chartValues
// can override the chart value behind most of them; the typed field is what
// nats-operator users know.
var configFields = map[string]string{
	"port":                           operatorOwned,
	"http_port":                      operatorOwned,
	"https_port":                     operatorOwned,
	"logtime":                        "spec.natsConfig.disableLogtime",
	"server_name":                    "spec.useServerName",
	"lame_duck_duration":             "spec.lameDuckDurationSeconds",
	"debug":                          "spec.natsConfig.debug",
	"trace":                          "spec.natsConfig.trace",
	"write_deadline":                 "spec.natsConfig.write_deadline",
	"max_connections":                "spec.natsConfig.maxConnections",
	"max_payload":                    "spec.natsConfig.maxPayload",
	"max_pending":                    "spec.natsConfig.maxPending",
	"max_subscriptions":              "spec.natsConfig.maxSubscriptions",
	"max_control_line":               "spec.natsConfig.maxControlLine",
	"tls":                            "spec.tls.serverSecret",
	"tls.ca_file":                    "spec.tls.serverSecretCAFileName",
	"tls.cert_file":                  "spec.tls.serverSecretCertFileName",
	"tls.key_file":                   "spec.tls.serverSecretKeyFileName",
	"tls.timeout":                    "spec.tls.clientsTLSTimeout",
	"tls.verify":                     "spec.tls.verify",
	"tls.verify_and_map":             "spec.auth.tlsVerifyAndMap",
	"tls.cipher_suites":              "spec.tls.cipherSuites",
	"tls.curve_preferences":          "spec.tls.curvePreferences",
	"authorization":                  "spec.auth.clientsAuthFile",
	"cluster":                        operatorOwned,
	"cluster.port":                   operatorOwned,
	"cluster.routes":                 "spec.extraRoutes",
	"cluster.name":                   operatorOwned,
	"cluster.authorization":          "spec.auth.clusterAuthSecret",
	"cluster.tls":                    "spec.tls.routesSecret",
	"cluster.tls.ca_file":            "spec.tls.routesSecretCAFileName",
	"cluster.tls.cert_file":          "spec.tls.routesSecretCertFileName",
	"cluster.tls.key_file":           "spec.tls.routesSecretKeyFileName",
	"cluster.tls.timeout":            "spec.tls.routesTLSTimeout",
	"gateway":                        "spec.gatewayConfig",
	"gateway.name":                   "spec.gatewayConfig.name",
	"gateway.port":                   "spec.gatewayConfig.hostPort",
	"gateway.reject_unknown_cluster": "spec.gatewayConfig.rejectUnknown",
	"gateway.gateways":               "spec.gatewayConfig.gateways",
	"gateway.gateways.name":          "spec.gatewayConfig.gateways[].name",
	"gateway.gateways.url":           "spec.gatewayConfig.gateways[].url",
	"gateway.authorization":          "spec.auth.gatewayAuthSecret",
	"gateway.tls":                    "spec.tls.gatewaySecret",
	"gateway.tls.ca_file":            "spec.tls.gatewaySecretCAFileName",
	"gateway.tls.cert_file":          "spec.tls.gatewaySecretCertFileName",
	"gateway.tls.key_file":           "spec.tls.gatewaySecretKeyFileName",
	"gateway.tls.timeout":            "spec.tls.gatewaysTLSTimeout",
	"leafnodes":                      "spec.leafnodeConfig",
	"leafnodes.port":                 "spec.leafnodeConfig.hostPort",
	"leafnodes.remotes":              "spec.leafnodeConfig.remotes",
	"leafnodes.remotes.urls":         "spec.leafnodeConfig.remotes[].url or urls",
	"leafnodes.remotes.credentials":  "spec.leafnodeConfig.remotes[].credentials",
	"leafnodes.tls":                  "spec.tls.leafnodeSecret",
	"leafnodes.tls.ca_file":          "spec.tls.leafnodeSecretCAFileName",
	"leafnodes.tls.cert_file":        "spec.tls.leafnodeSecretCertFileName",
	"leafnodes.tls.key_file":         "spec.tls.leafnodeSecretKeyFileName",
	"leafnodes.tls.timeout":          "spec.tls.leafnodesTLSTimeout",
	"websocket":                      "spec.websocketConfig",
	"websocket.port":                 "spec.websocketConfig.port",
	"websocket.no_tls":               "spec.tls.websocketSecret",
	"websocket.handshake_timeout":    "spec.websocketConfig.handshakeTimeout",
	"websocket.compression":          "spec.websocketConfig.compression",
	"websocket.tls":                  "spec.tls.websocketSecret",
	"websocket.tls.ca_file":          "spec.tls.websocketSecretCAFileName",
	"websocket.tls.cert_file":        "spec.tls.websocketSecretCertFileName",
	"websocket.tls.key_file":         "spec.tls.websocketSecretKeyFileName",
	"websocket.tls.timeout":          "spec.tls.websocketTLSTimeout",
	"operator":                       "spec.operatorConfig.secret",
	"system_account":                 "spec.operatorConfig.systemAccount",
	"resolver":                       "spec.operatorConfig.resolver",
	"jetstream":                      "spec.jetstream",
	"jetstream.store_dir":            operatorOwned,
	"jetstream.max_memory_store":     "spec.jetstream.memory.maxSize",
	"jetstream.max_file_store":       "spec.jetstream.file.size",
	"jetstream.domain":               "spec.jetstream.domain",
}

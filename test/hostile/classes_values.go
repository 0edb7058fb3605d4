package hostile

import (
	"fmt"
	"strings"
)

// chartValues: unknown keys, wrong types and the values the operator owns.
var chartValues = class{name: "chart-values", add: func(g *gen) {
	field := "spec.chartValues"
	for id, v := range map[string]any{
		"unknown-top":         map[string]any{"evil": n("1")},
		"unknown-nested":      map[string]any{"image": map[string]any{"evil": "x"}},
		"namespace-override":  map[string]any{"namespaceOverride": "kube-system"},
		"fullname-override":   map[string]any{"fullnameOverride": "kube-system/evil"},
		"global":              map[string]any{"global": map[string]any{"namespace": "kube-system"}},
		"size-string":         map[string]any{"size": "three"},
		"labels-list":         map[string]any{"pod": map[string]any{"labels": []any{"a"}}},
		"config-string":       map[string]any{"config": "authorization { token: evil }"},
		"merge-string":        map[string]any{"config": map[string]any{"merge": "authorization { token: evil }"}},
		"merge-list":          map[string]any{"config": map[string]any{"merge": []any{"x"}}},
		"image-string":        map[string]any{"image": "nats"},
		"port-string":         map[string]any{"ports": map[string]any{"client": "4222"}},
		"tls-list":            map[string]any{"tls": []any{}},
		"auth":                map[string]any{"auth": map[string]any{"secretName": "kube-system-token", "clients": true}},
		"auth-clients-file":   map[string]any{"auth": map[string]any{"clientsFile": "/var/run/secrets/kubernetes.io/serviceaccount/token"}},
		"operator-jwt":        map[string]any{"operatorJWT": map[string]any{"secret": "evil-jwt"}},
		"generated":           map[string]any{"generated": map[string]any{"natsConf": "authorization { users: [ {user: evil, password: evilpw} ] }"}},
		"generated-paths":     map[string]any{"generated": map[string]any{"paths": map[string]any{"configDir": "/tmp"}}},
		"generated-null":      map[string]any{"generated": nil},
		"null-values":         map[string]any{"image": nil, "ports": nil, "pod": nil, "config": nil},
		"service-monitor-on":  map[string]any{"metrics": map[string]any{"enabled": true, "serviceMonitor": map[string]any{"enabled": true, "interval": "30s"}}},
		"service-monitor-bad": map[string]any{"metrics": map[string]any{"enabled": true, "serviceMonitor": map[string]any{"enabled": true, "interval": "\"}\n---\nkind: Secret"}}},
		"pdb-huge":            map[string]any{"podDisruptionBudget": map[string]any{"enabled": true, "maxUnavailable": n("1000000")}},
		"advertise-image":     map[string]any{"advertise": map[string]any{"externalIP": true, "image": "x\n---\nkind: Secret"}},
		"server-name-off":     map[string]any{"jetstream": map[string]any{"enabled": true}, "server": map[string]any{"serverName": false}},
		"server-version-old":  map[string]any{"serverVersion": "1.4.1", "config": map[string]any{"merge": map[string]any{"max_payload": n("1024")}}},
	} {
		g.add(Case{ID: "chart-values/" + id, Class: "chart-values", Field: field,
			Spec: spec(parseSpec("size: 1"), p("chartValues"), v), RefusalMentions: []string{field}})
	}
	for id, v := range map[string]any{"list": []any{}, "string": "x", "number": n("1"), "bool": true} {
		g.add(Case{ID: "chart-values/not-an-object/" + id, Class: "chart-values", Field: field,
			Spec: spec(parseSpec("size: 1"), p("chartValues"), v), RefusalMentions: []string{field}, Expect: Refused})
	}
	g.add(Case{ID: "chart-values/null", Class: "chart-values", Field: field, Spec: spec(parseSpec("size: 1"), p("chartValues"), nil), Expect: Deploys})
	g.add(Case{ID: "chart-values/empty", Class: "chart-values", Field: field, Spec: spec(parseSpec("size: 1"), p("chartValues"), map[string]any{}), Expect: Deploys})
}}

// ownedConfig: config.merge keys the operator owns, in every spelling.
var ownedConfig = class{name: "owned-config", add: func(g *gen) {
	users := map[string]any{"users": []any{map[string]any{"user": "evil", "password": "evilpw"}}}
	owned := map[string]map[string]any{
		"authorization":           {"authorization": users},
		"authorization-token":     {"authorization": map[string]any{"token": "evil"}},
		"Authorization":           {"Authorization": users},
		"AUTHORIZATION":           {"AUTHORIZATION": users},
		"authorization-homoglyph": {"аuthorization": users}, // Cyrillic a: the server refuses the key
		"authorization-space":     {"authorization ": users},
		"accounts":                {"accounts": map[string]any{"EVIL": users}},
		"no_auth_user":            {"no_auth_user": "evil"},
		"users-top":               {"users": users["users"]},
		"include":                 {"include": "/var/run/secrets/kubernetes.io/serviceaccount/token"},
		"operator":                {"operator": "/tmp/evil.jwt"},
		"trusted_keys":            {"trusted_keys": []any{"OEVIL"}},
		"resolver":                {"resolver": "MEMORY"},
		"system_account":          {"system_account": "EVIL"},
		"auth_callout":            {"authorization": map[string]any{"auth_callout": map[string]any{"issuer": "AEVIL"}}},
		"listen":                  {"listen": "0.0.0.0:1"},
		"port":                    {"port": n("1")},
		"host":                    {"host": "127.0.0.1"},
		"http":                    {"http": "0.0.0.0:2"},
		"http_port":               {"http_port": n("2")},
		"https_port":              {"https_port": n("2")},
		"monitor_port":            {"monitor_port": n("2")},
		"pid_file":                {"pid_file": "/tmp/pid"},
		"server_name":             {"server_name": "evil"},
		"cluster-listen":          {"cluster": map[string]any{"listen": "0.0.0.0:1"}},
		"cluster-port":            {"cluster": map[string]any{"port": n("1")}},
		"cluster-routes":          {"cluster": map[string]any{"routes": []any{"nats://evil:6222"}}},
		"cluster-name":            {"cluster": map[string]any{"name": "evil"}},
		"cluster-authorization":   {"cluster": map[string]any{"authorization": map[string]any{"user": "evil", "password": "evilpw"}}},
		"gateway-port":            {"gateway": map[string]any{"port": n("1"), "name": "x"}},
		"leafnodes-port":          {"leafnodes": map[string]any{"port": n("1")}},
		"leafnodes-authorization": {"leafnodes": map[string]any{"authorization": users}},
		"leafnodes-users":         {"leafnodes": map[string]any{"users": users["users"]}},
		"websocket-no_auth_user":  {"websocket": map[string]any{"no_auth_user": "evil"}},
		"websocket-port":          {"websocket": map[string]any{"port": n("1"), "no_tls": true}},
		"mqtt-port":               {"mqtt": map[string]any{"port": n("1883")}},
		"mqtt-authorization":      {"mqtt": map[string]any{"authorization": map[string]any{"token": "evil"}}},
		"jetstream-store_dir":     {"jetstream": map[string]any{"store_dir": "/"}},
		"nested-users-deep":       {"server_tags": []any{map[string]any{"users": users["users"]}}},
		"prof_port":               {"prof_port": n("6060")},
		"ports_file_dir":          {"ports_file_dir": "/tmp"},
	}
	for id, merge := range owned {
		g.add(Case{ID: "owned-config/merge/" + id, Class: "owned-config", Field: "spec.chartValues.config.merge",
			Spec: spec(parseSpec("size: 1\nauth: {clientsAuthSecret: users, clusterAuthSecret: routes}"), p("chartValues", "config", "merge"), merge)})
	}
	// The << >> literal convention: one token, a size or duration.
	for id, v := range map[string]any{
		"ltgt-brace":     "<< 1 }, authorization { token: x } >>",
		"ltgt-include":   "<< 1MB\ninclude /etc/passwd >>",
		"ltgt-variable":  "<< $ROUTE_PASSWORD >>",
		"ltgt-newline":   "<< 1MB\nno_auth_user: evil >>",
		"ltgt-empty":     "<<>>",
		"ltgt-nested":    "<< << 1MB >> >>",
		"ltgt-comment":   "<< 1MB # } authorization { token: x } >>",
		"ltgt-semicolon": "<< 1MB; no_auth_user: evil >>",
	} {
		g.add(Case{ID: "owned-config/literal/" + id, Class: "owned-config", Field: "spec.chartValues.config.merge",
			Spec: spec(parseSpec("size: 1"), p("chartValues", "config", "merge", "max_payload"), v)})
	}
	for id, merge := range map[string]any{
		"key-brace":   map[string]any{"x}": n("1")},
		"key-newline": map[string]any{"a\nauthorization { token: evil }\nb": n("1")},
		"key-quote":   map[string]any{`a": 1, "authorization": {"token": "evil"}, "b`: n("1")},
		"key-dotted":  map[string]any{"cluster.listen": "0.0.0.0:1"},
		"key-empty":   map[string]any{"": n("1")},
		"entries-513": bigMap(513, 1),
		"depth-9":     nested("a", 9, n("1")),
	} {
		g.add(Case{ID: "owned-config/shape/" + id, Class: "owned-config", Field: "spec.chartValues.config.merge",
			Spec: spec(parseSpec("size: 1"), p("chartValues", "config", "merge"), merge)})
	}
}}

// siblings and planted objects: names shared between releases, and objects
// the tenant (or someone else) created before the NatsCluster.
var collisions = class{name: "collision", add: func(g *gen) {
	plain := parseSpec("size: 1")
	g.add(Case{ID: "collision/mgmt-service", Class: "collision", Field: "metadata.name", Name: "x-mgmt", Spec: plain,
		Siblings: []Sibling{{Name: "x", Spec: plain}}})
	g.add(Case{ID: "collision/mgmt-service-reverse", Class: "collision", Field: "metadata.name", Name: "y",
		Spec: plain, Siblings: []Sibling{{Name: "y-mgmt", Spec: plain}}})
	g.add(Case{ID: "collision/config-name", Class: "collision", Field: "metadata.name", Name: "z-config", Spec: plain,
		Siblings: []Sibling{{Name: "z", Spec: plain}}, Expect: Deploys})
	g.add(Case{ID: "collision/extra-route-to-sibling", Class: "collision", Field: "spec.extraRoutes",
		Spec: spec(plain, p("extraRoutes"), []any{map[string]any{"cluster": "sib"}}), Siblings: []Sibling{{Name: "sib", Spec: plain}}, Expect: Deploys})
	meta := func(kind, apiVersion, name string, rest map[string]any) map[string]any {
		obj := map[string]any{"apiVersion": apiVersion, "kind": kind, "metadata": map[string]any{"name": name, "labels": map[string]any{"owner": "tenant"}}}
		for k, v := range rest {
			obj[k] = v
		}
		return obj
	}
	planted := map[string]map[string]any{
		"configmap": meta("ConfigMap", "v1", "nats-config", map[string]any{"data": map[string]any{"nats.conf": "authorization { token: evil }"}}),
		"service":   meta("Service", "v1", "nats", map[string]any{"spec": map[string]any{"ports": []any{map[string]any{"port": n("80")}}}}),
		"mgmt":      meta("Service", "v1", "nats-mgmt", map[string]any{"spec": map[string]any{"clusterIP": "None", "ports": []any{map[string]any{"port": n("80")}}}}),
		"pdb":       meta("PodDisruptionBudget", "policy/v1", "nats", map[string]any{"spec": map[string]any{"maxUnavailable": n("0"), "selector": map[string]any{"matchLabels": map[string]any{"app": "other"}}}}),
		"auth-secret": meta("Secret", "v1", "nats-auth", map[string]any{"stringData": map[string]any{
			"clients.conf": "users: [ {user: tenant, password: tenantpw} ]"}}),
		"release-secret": {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
			"metadata": map[string]any{"name": "sh.helm.release.v1.nats.v1", "labels": map[string]any{"owner": "helm", "name": "nats", "status": "deployed", "version": "1"}},
			"data":     map[string]any{"release": "bm90IGEgcmVsZWFzZQ=="}},
		"pending-release-secret": {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
			"metadata": map[string]any{"name": "sh.helm.release.v1.nats.v1", "labels": map[string]any{"owner": "helm", "name": "nats", "status": "pending-install", "version": "1"}},
			"data":     map[string]any{"release": "H4sIAAAAAAAA/6tWykvMTVWyUlAqSk0pSizJzM9TqgUA"}},
	}
	for id, obj := range planted {
		s := plain
		if id == "auth-secret" {
			s = parseSpec("size: 1\nauth: {enableServiceAccounts: true}")
		}
		g.add(Case{ID: "collision/planted/" + id, Class: "collision", Field: "metadata.name", Spec: s, Planted: []map[string]any{obj}})
	}
}}

// typeConfusion: values of the wrong JSON type where the schema has a type.
var typeConfusion = class{name: "type", add: func(g *gen) {
	for id, s := range map[string]any{
		"spec-string": "x", "spec-list": []any{}, "spec-number": n("1"),
	} {
		g.add(Case{ID: "type/" + id, Class: "type", Field: "spec", Spec: s, Expect: Refused, RefusalMentions: []string{"spec"}})
	}
	for id, c := range map[string]struct {
		at    fieldPath
		value any
	}{
		"size-string":         {p("size"), "3"},
		"paused-string":       {p("paused"), "true"},
		"tls-string":          {p("tls"), "x"},
		"auth-list":           {p("auth"), []any{}},
		"gateway-string":      {p("gatewayConfig"), "x"},
		"debug-string":        {p("natsConfig", "debug"), "yes"},
		"labels-string":       {p("pod", "labels"), "x"},
		"extraRoutes-map":     {p("extraRoutes"), map[string]any{"a": n("1")}},
		"natsEnv-string":      {p("pod", "natsEnv"), "A=B"},
		"version-number":      {p("version"), n("2.15")},
		"remotes-string-item": {p("leafnodeConfig", "remotes"), []any{"nats://x:7422"}},
	} {
		g.add(Case{ID: "type/" + id, Class: "type", Field: c.at.String(), Spec: spec(parseSpec("size: 1"), c.at, c.value),
			Expect: Refused, RefusalMentions: fieldMentions(c.at)})
	}
	for id, c := range map[string]struct {
		at    fieldPath
		value any
	}{
		"unknown-top":    {p("evil"), map[string]any{"authorization": "x"}},
		"unknown-nested": {p("pod", "evil"), "x"},
		"null-pod":       {p("pod"), nil},
		"null-tls":       {p("tls"), nil},
	} {
		g.add(Case{ID: "type/pruned/" + id, Class: "type", Field: c.at.String(), Spec: spec(parseSpec("size: 1"), c.at, c.value), Expect: Deploys})
	}
	g.add(Case{ID: "type/spec-null", Class: "type", Field: "spec", Spec: nil, Expect: Deploys})
}}

// paused: hostile specs on a paused cluster are reported or ignored, never
// applied.
var paused = class{name: "paused", add: func(g *gen) {
	for id, s := range map[string]map[string]any{
		"merge-users": spec(parseSpec("size: 1\npaused: true"), p("chartValues", "config", "merge", "authorization"), map[string]any{"token": "evil"}),
		"size-values": spec(parseSpec("size: 1\npaused: true"), p("chartValues", "size"), n("1e9")),
		"plain":       parseSpec("size: 1\npaused: true"),
	} {
		g.add(Case{ID: "paused/" + id, Class: "paused", Field: "spec.paused", Spec: s})
	}
}}

// weird: valid specs that are unusual in every way; each must deploy.
var weird = class{name: "weird-valid", add: func(g *gen) {
	for id, s := range map[string]string{
		"full-base":          fullBase,
		"files-base":         filesBase,
		"chart-values-base":  chartValuesBase,
		"version-v":          "version: v2.15.2",
		"version-suffix":     "version: 2.15.2-alpine",
		"version-old":        "version: 1.4.1",
		"image-registry":     "serverImage: registry.example.com:5000/a/b/nats",
		"image-digest":       "serverImage: nats@sha256:" + strings.Repeat("a", 64),
		"gateway-name-128":   "gatewayConfig: {name: " + strings.Repeat("g", 128) + "}",
		"lameduck-max":       "lameDuckDurationSeconds: 3600",
		"routes-ipv6":        "extraRoutes: [{route: \"nats://[::1]:6222\"}]",
		"env-multiline":      "pod: {natsEnv: [{name: NOTE, value: \"a\\nb: c\\n---\\nkind: Secret\"}]}",
		"env-unicode":        "pod: {natsEnv: [{name: NOTE, value: \"ネイツ 🚀\"}]}",
		"merge-legal":        "chartValues: {config: {merge: {max_payload: \"<< 8MB >>\", ping_interval: \"<< 2m >>\", write_deadline: \"<< 10s >>\", server_tags: [\"<< $POD_NAME >>\", \"region: east }\"], jetstream: {max_outstanding_catchup: \"<< 64MB >>\"}}}}",
		"merge-quotes":       "chartValues: {config: {merge: {server_tags: [\"a\\\"b\", \"c'd\", \"e\\\\f\", \"} { authorization\", \"$NOT_A_VAR\", \"include x\"]}}}",
		"jetstream-memory":   "jetstream: {file: {enabled: false}, memory: {maxSize: 1Ti}}",
		"websocket-tls":      "websocketConfig: {port: 443, handshakeTimeout: 1.5s}\ntls: {websocketSecret: ws, websocketTLSTimeout: 3600}",
		"size-zero-paused":   "size: 0\npaused: false",
		"clients-file-deep":  "auth: {clientsAuthFile: a/b/c/d/e/f/clients.conf}",
		"annotations-legal":  "pod: {annotations: {\"example.com/" + strings.Repeat("a", 63) + "\": \"" + strings.Repeat("v", 4096) + "\"}}",
		"template-sidecar":   "template: {spec: {containers: [{name: nats}, {name: side, image: busybox, args: [\"-c\", \"/tmp/x\"]}]}}",
		"template-nats-env":  "template: {spec: {containers: [{name: nats, env: [{name: X, value: \"$(POD_NAME)\"}]}]}}",
		"service-account":    "template: {spec: {serviceAccountName: nats-sa, automountServiceAccountToken: false}}",
		"metrics-and-reload": "pod: {enableMetrics: true, enableConfigReload: true}\ntls: {serverSecret: s, enableHttps: true}",
	} {
		g.add(Case{ID: "weird-valid/" + id, Class: "weird-valid", Field: "spec", Spec: parseSpec(s), Expect: Deploys})
	}
	for i := 0; i < 6; i++ {
		g.add(Case{ID: fmt.Sprintf("weird-valid/random-unicode-%d", i), Class: "weird-valid", Field: "spec.pod.annotations",
			Spec: spec(parseSpec("size: 1"), p("pod", "annotations"), map[string]any{"note": randomText(g, 200)}), Expect: Deploys})
	}
}}

// randomText is printable text from several scripts, emoji and controls.
func randomText(g *gen, length int) string {
	pools := []string{"abcXYZ019", "äöüßéñ", "ネイツ中文", "🚀🔥✅", " \t\n", "{}[]<>$\"'\\#;:,=", "\u200b\u202e\u2028"}
	var b strings.Builder
	for i := 0; i < length; i++ {
		pool := []rune(pools[g.rnd.Intn(len(pools))])
		b.WriteRune(pool[g.rnd.Intn(len(pool))])
	}
	return b.String()
}

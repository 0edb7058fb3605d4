package hostile

import (
	"encoding/json"
	"fmt"
	"strings"
)

// n is an exact JSON number.
func n(s string) json.Number { return json.Number(s) }

// badNumbers are out of range, of the wrong kind or of the wrong type for
// any bounded integer field.
var badNumbers = []struct {
	name  string
	value any
}{
	{"minus-one", n("-1")},
	{"int32-max", n("2147483647")},
	{"int32-overflow", n("2147483648")},
	{"uint32-overflow", n("4294967296")},
	{"beyond-float53", n("9007199254740993")},
	{"int64-max", n("9223372036854775807")},
	{"int64-overflow", n("9223372036854775808")},
	{"int64-min", n("-9223372036854775808")},
	{"exponent", n("1e30")},
	{"fraction", n("1.5")},
	{"string", "1"},
	{"bool", true},
}

// intFields are the typed integer fields with a base spec that makes them
// meaningful.
var intFields = []struct {
	at   fieldPath
	base string
}{
	{p("size"), ""},
	{p("lameDuckDurationSeconds"), ""},
	{p("natsConfig", "maxConnections"), ""},
	{p("natsConfig", "maxPayload"), ""},
	{p("natsConfig", "maxPending"), ""},
	{p("natsConfig", "maxSubscriptions"), ""},
	{p("natsConfig", "maxControlLine"), ""},
	{p("auth", "clientsAuthTimeout"), ""},
	{p("auth", "clusterAuthTimeout"), ""},
	{p("auth", "serviceAccountTokenExpirationSeconds"), "auth: {enableServiceAccounts: true}"},
	{p("gatewayConfig", "hostPort"), "gatewayConfig: {name: east}"},
	{p("leafnodeConfig", "hostPort"), "leafnodeConfig: {}"},
	{p("websocketConfig", "port"), ""},
	{p("tls", "clientsTLSTimeout"), "tls: {serverSecret: certs}"},
	{p("tls", "websocketTLSTimeout"), "tls: {websocketSecret: ws}\nwebsocketConfig: {port: 8443}"},
}

var intBounds = class{name: "int-bounds", add: func(g *gen) {
	for _, f := range intFields {
		base := parseSpec("size: 1\n" + f.base)
		for _, b := range badNumbers {
			g.add(Case{
				ID: fmt.Sprintf("int-bounds/%s/%s", f.at, b.name), Class: "int-bounds", Field: f.at.String(),
				Spec: with(base, f.at, b.value), RefusalMentions: fieldMentions(f.at),
			})
		}
	}
}}

// sizes: the runaway sizes, through the typed field and the chart
// values, which the CRD cannot see into.
var sizes = class{name: "size", add: func(g *gen) {
	refused := map[string]any{
		"int32-max": n("2147483647"), "int32-overflow": n("2147483648"), "one-over": n("101"),
		"billion": n("1e9"), "negative": n("-3"),
	}
	for name, v := range refused {
		g.add(Case{ID: "size/spec/" + name, Class: "size", Field: "spec.size", Spec: spec(nil, p("size"), v), Expect: Refused})
	}
	for name, v := range map[string]any{"zero": n("0"), "max": n("100"), "null-default": nil} {
		g.add(Case{ID: "size/spec/" + name, Class: "size", Field: "spec.size", Spec: spec(nil, p("size"), v), Expect: Deploys})
	}
	for name, v := range map[string]any{
		"billion": n("1e9"), "one-over": n("101"), "negative": n("-5"), "int32-overflow": n("2147483648"),
		"int64-max": n("9223372036854775807"), "string": "3", "fraction": n("2.5"), "null": nil, "list": []any{1},
	} {
		g.add(Case{ID: "size/chartValues/" + name, Class: "size", Field: "spec.chartValues.size",
			Spec: spec(parseSpec("size: 1"), p("chartValues", "size"), v)})
	}
	g.add(Case{ID: "size/chartValues/max", Class: "size", Field: "spec.chartValues.size",
		Spec: spec(parseSpec("size: 1"), p("chartValues", "size"), n("100")), Expect: Deploys})
	for name, v := range map[string]any{"billion": n("1e9"), "negative": n("-1"), "int64-max": n("9223372036854775807")} {
		g.add(Case{ID: "size/pdb/" + name, Class: "size", Field: "spec.chartValues.podDisruptionBudget.maxUnavailable",
			Spec: spec(nil, p("chartValues", "podDisruptionBudget", "maxUnavailable"), v)})
	}
	for name, v := range map[string]any{"billion": n("1e9"), "negative": n("-1")} {
		g.add(Case{ID: "size/connectRetries/" + name, Class: "size", Field: "spec.chartValues.server.connectRetries",
			Spec: spec(nil, p("chartValues", "server", "connectRetries"), v)})
	}
	// Quantities: the JetStream store sizes become nats.conf integers.
	for name, v := range map[string]any{
		"zero": "0", "negative": "-1Gi", "exa": "100Ei", "exponent": "1e100", "int64-max": n("9223372036854775807"),
		"fraction-bytes": "0.5", "milli": "1500m",
	} {
		g.add(Case{ID: "size/jetstream-file/" + name, Class: "size", Field: "spec.jetstream.file.size",
			Spec: spec(nil, p("jetstream", "file", "size"), v)})
		g.add(Case{ID: "size/jetstream-memory/" + name, Class: "size", Field: "spec.jetstream.memory.maxSize",
			Spec: spec(parseSpec("jetstream: {file: {enabled: false}}"), p("jetstream", "memory", "maxSize"), v)})
	}
	for name, v := range map[string]any{"int64-max": n("9223372036854775807"), "negative": n("-1"), "string": "1Gi"} {
		g.add(Case{ID: "size/chartValues-memory/" + name, Class: "size", Field: "spec.chartValues.jetstream.memory.maxBytes",
			Spec: spec(nil, p("chartValues", "jetstream"), map[string]any{"enabled": true, "memory": map[string]any{"maxBytes": v}})})
	}
}}

// lists: more items than anything needs, in typed fields and chart values.
var lists = class{name: "list-length", add: func(g *gen) {
	route := func(i int) any { return map[string]any{"route": fmt.Sprintf("nats://r%d:6222", i)} }
	env := func(i int) any { return map[string]any{"name": fmt.Sprintf("E%d", i), "value": "v"} }
	toleration := func(i int) any { return map[string]any{"key": fmt.Sprintf("k%d", i), "operator": "Exists"} }
	gateway := func(i int) any {
		return map[string]any{"name": fmt.Sprintf("g%d", i), "url": fmt.Sprintf("nats://g%d:7522", i)}
	}
	remote := func(i int) any { return map[string]any{"url": fmt.Sprintf("nats-leaf://l%d:7422", i)} }
	suite := func(int) any { return "TLS_AES_128_GCM_SHA256" }
	url := func(i int) any { return fmt.Sprintf("nats://e%d:6222", i) }
	mount := func(i int) any { return map[string]any{"name": "extra", "mountPath": fmt.Sprintf("/m%d", i)} }
	typed := []struct {
		at        fieldPath
		base      string
		item      func(int) any
		max, over int
	}{
		{p("extraRoutes"), "", route, 64, 1000},
		{p("pod", "natsEnv"), "", env, 128, 1000},
		{p("pod", "tolerations"), "", toleration, 64, 1000},
		{p("pod", "volumeMounts"), "template: {spec: {volumes: [{name: extra, emptyDir: {}}]}}", mount, 64, 500},
		{p("gatewayConfig", "gateways"), "gatewayConfig: {name: east}", gateway, 64, 1000},
		{p("leafnodeConfig", "remotes"), "leafnodeConfig: {}", remote, 64, 1000},
		{p("tls", "cipherSuites"), "tls: {serverSecret: certs}", suite, 64, 1000},
	}
	for _, l := range typed {
		base := parseSpec("size: 1\n" + l.base)
		g.add(Case{ID: fmt.Sprintf("list-length/%s/max", l.at), Class: "list-length", Field: l.at.String(),
			Spec: with(base, l.at, items(l.max, l.item)), Expect: Deploys})
		g.add(Case{ID: fmt.Sprintf("list-length/%s/one-over", l.at), Class: "list-length", Field: l.at.String(),
			Spec: with(base, l.at, items(l.max+1, l.item)), Expect: Refused})
		g.add(Case{ID: fmt.Sprintf("list-length/%s/many", l.at), Class: "list-length", Field: l.at.String(),
			Spec: with(base, l.at, items(l.over, l.item)), Expect: Refused})
	}
	values := []struct {
		at   fieldPath
		item func(int) any
	}{
		{p("chartValues", "routes", "extra"), url},
		{p("chartValues", "pod", "env"), env},
		{p("chartValues", "pod", "tolerations"), toleration},
		{p("chartValues", "tls", "client", "cipherSuites"), suite},
		{p("chartValues", "gateway", "gateways"), gateway},
		{p("chartValues", "leafnodes", "remotes"), func(i int) any { return map[string]any{"urls": []any{url(i)}} }},
		{p("chartValues", "leafnodes", "remotes", 0, "urls"), url},
		{p("chartValues", "config", "merge", "server_tags"), func(i int) any { return fmt.Sprintf("t%d", i) }},
	}
	for _, l := range values {
		for _, count := range []int{300, 5000} {
			base := parseSpec("size: 1\nchartValues: {tls: {client: {secret: certs}}, gateway: {enabled: true, name: east, port: 7522}, leafnodes: {remotes: [{urls: [\"nats://x:7422\"]}]}}")
			g.add(Case{ID: fmt.Sprintf("list-length/%s/%d", l.at, count), Class: "list-length", Field: l.at.String(),
				Spec: with(base, l.at, items(count, l.item))})
		}
	}
}}

func items(count int, item func(int) any) []any {
	out := make([]any, count)
	for i := range out {
		out[i] = item(i)
	}
	return out
}

// hugeStrings: strings far beyond any bound, where bounds exist and where
// only the request size stops them.
var hugeStrings = class{name: "huge-string", add: func(g *gen) {
	kib := func(k int) string { return strings.Repeat("a", k<<10) }
	typed := []fieldPath{
		p("version"), p("serverImage"), p("gatewayConfig", "name"), p("jetstream", "domain"),
		p("extraRoutes", 0, "route"), p("auth", "clientsAuthFile"), p("pod", "reloaderImage"),
	}
	for _, at := range typed {
		base := parseSpec("size: 1\ngatewayConfig: {name: east}\nextraRoutes: [{route: \"nats://a:6222\"}]\njetstream: {}")
		g.add(Case{ID: fmt.Sprintf("huge-string/%s/1MiB", at), Class: "huge-string", Field: at.String(),
			Spec: with(base, at, kib(1024)), Expect: Refused, RefusalMentions: fieldMentions(at)})
	}
	// Values without a CRD bound: the request limit, the API server's own
	// object limits, or the operator's bounds must stop them. The request
	// limits are the API server's and etcd's, whose messages name no field.
	for _, c := range []struct {
		id    string
		at    fieldPath
		value any
	}{
		{"natsEnv-value-512KiB", p("pod", "natsEnv"), []any{map[string]any{"name": "BIG", "value": kib(512)}}},
		{"annotation-4KiB-x64", p("pod", "annotations"), bigMap(64, 4096)},
		{"chartValues-annotation-300KiB", p("chartValues", "pod", "annotations"), map[string]any{"big": kib(300)}},
		{"chartValues-label-value-1KiB", p("chartValues", "pod", "labels"), map[string]any{"big": kib(1)}},
		{"chartValues-string-2MiB", p("chartValues", "image", "repository"), kib(2048)},
		{"merge-string-5KiB", p("chartValues", "config", "merge", "server_tags"), []any{kib(5)}},
		{"merge-configmap-over-1MiB", p("chartValues", "config", "merge", "server_tags"), items(300, func(int) any { return strings.Repeat("t", 4000) })},
		{"merge-conf-over-512KiB", p("chartValues", "config", "merge", "server_tags"), items(140, func(int) any { return strings.Repeat("t", 4000) })},
		{"template-annotation-1MiB", p("template", "metadata", "annotations"), map[string]any{"big": kib(1024)}},
	} {
		g.add(Case{ID: "huge-string/" + c.id, Class: "huge-string", Field: c.at.String(),
			Spec: spec(parseSpec("size: 1"), c.at, c.value), RefusalMentions: append(fieldMentions(c.at), "too large", "Too long", "exceed", "larger than max")})
	}
}}

func bigMap(entries, valueLen int) map[string]any {
	m := map[string]any{}
	for i := 0; i < entries; i++ {
		m[fmt.Sprintf("example.com/k%02d", i)] = strings.Repeat("v", valueLen)
	}
	return m
}

// nesting: deep values where the schema stops looking.
var nesting = class{name: "nesting", add: func(g *gen) {
	for _, depth := range []int{9, 100, 1000, 20000} {
		g.add(Case{ID: fmt.Sprintf("nesting/merge/%d", depth), Class: "nesting", Field: "spec.chartValues.config.merge",
			Spec: spec(nil, p("chartValues", "config", "merge"), nested("gateways", depth, 1)), RefusalMentions: []string{"depth", "nest", "merge"}})
		g.add(Case{ID: fmt.Sprintf("nesting/chartValues/%d", depth), Class: "nesting", Field: "spec.chartValues",
			Spec: spec(nil, p("chartValues"), nested("pod", depth, "x")), RefusalMentions: []string{"depth", "nest", "chartValues"}})
		g.add(Case{ID: fmt.Sprintf("nesting/template/%d", depth), Class: "nesting", Field: "spec.template",
			Spec: spec(nil, p("template", "spec", "affinity"), nested("nodeAffinity", depth, "x")), RefusalMentions: []string{"depth", "nest", "template"}})
		g.add(Case{ID: fmt.Sprintf("nesting/list/%d", depth), Class: "nesting", Field: "spec.chartValues.config.merge",
			Spec: spec(nil, p("chartValues", "config", "merge", "server_tags"), nestedList(depth)), RefusalMentions: []string{"depth", "nest", "merge"}})
	}
}}

func nested(key string, depth int, leaf any) any {
	v := leaf
	for i := 0; i < depth; i++ {
		v = map[string]any{key: v}
	}
	return v
}

func nestedList(depth int) any {
	var v any = "x"
	for i := 0; i < depth; i++ {
		v = []any{v}
	}
	return v
}

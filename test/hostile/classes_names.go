package hostile

import (
	"fmt"
	"strings"
)

// names: a NatsCluster's name is the Helm release name and the prefix of
// every object name, Service names are DNS-1035 labels, and the
// StatefulSet's revision label adds up to 11 characters.
var names = class{name: "name", add: func(g *gen) {
	mentions := []string{"metadata.name"}
	refused := map[string]string{
		"53-chars":            "a" + strings.Repeat("b", 51) + "c",
		"63-chars":            "a" + strings.Repeat("b", 61) + "c",
		"64-chars":            "a" + strings.Repeat("b", 62) + "c",
		"253-chars":           "a" + strings.Repeat("b", 251) + "c",
		"leading-digit":       "1abc",
		"uppercase":           "Abc",
		"underscore":          "a_b",
		"dot":                 "a.b",
		"leading-dash":        "-abc",
		"trailing-dash":       "abc-",
		"unicode":             "näts",
		"space":               "a b",
		"dotted-domain":       "nats.example.com",
		"digits-only":         "123",
		"newline":             "a\nb",
		"doc-separator":       "a\n---\nb",
		"template":            "{{.Release.Namespace}}",
		"fieldPath-traversal": "../kube-system",
	}
	for id, name := range refused {
		g.add(Case{ID: "name/" + id, Class: "name", Field: "metadata.name", Name: name, Spec: parseSpec("size: 1"),
			Expect: Refused, RefusalMentions: mentions})
	}
	for id, name := range map[string]string{
		"52-chars":     "a" + strings.Repeat("b", 50) + "c",
		"one-letter":   "a",
		"double-dash":  "a--b",
		"mgmt-suffix":  "nats-mgmt",
		"config-infix": "x-config",
		"helm-like":    "sh-helm-release-v1",
	} {
		g.add(Case{ID: "name/" + id, Class: "name", Field: "metadata.name", Name: name, Spec: parseSpec("size: 1"), Expect: Deploys})
	}
	// A name the API server accepts empty: generateName is not for
	// NatsClusters (the release name must be known), and an empty name is
	// refused.
	g.add(Case{ID: "name/empty", Class: "name", Field: "metadata.name", NoName: true, Spec: parseSpec("size: 1"), Expect: Refused,
		RefusalMentions: []string{"name"}})
}}

// ports: out of range, zero and duplicated listener ports, through typed
// fields and chart values.
var ports = class{name: "port", add: func(g *gen) {
	listeners := "gatewayConfig: {name: east, hostPort: 7522}\nleafnodeConfig: {hostPort: 7422}\nwebsocketConfig: {port: 8443}\npod: {enableMetrics: true}"
	base := parseSpec("size: 1\n" + listeners)
	typed := []fieldPath{p("gatewayConfig", "hostPort"), p("leafnodeConfig", "hostPort"), p("websocketConfig", "port")}
	for _, at := range typed {
		for _, v := range []string{"-1", "65536", "70000", "4294967296"} {
			g.add(Case{ID: fmt.Sprintf("port/%s/%s", at, v), Class: "port", Field: at.String(),
				Spec: with(base, at, n(v)), Expect: Refused, RefusalMentions: fieldMentions(at)})
		}
		// The client, cluster, monitoring and metrics ports, and each other's.
		for _, v := range []string{"4222", "6222", "8222", "7777", "7522", "7422", "8443"} {
			g.add(Case{ID: fmt.Sprintf("port/%s/dup-%s", at, v), Class: "port", Field: at.String(),
				Spec: with(base, at, n(v)), RefusalMentions: fieldMentions(at)})
		}
		g.add(Case{ID: fmt.Sprintf("port/%s/zero", at), Class: "port", Field: at.String(),
			Spec: with(base, at, n("0")), RefusalMentions: fieldMentions(at)})
		g.add(Case{ID: fmt.Sprintf("port/%s/max", at), Class: "port", Field: at.String(),
			Spec: with(base, at, n("65535")), Expect: Deploys})
		g.add(Case{ID: fmt.Sprintf("port/%s/privileged", at), Class: "port", Field: at.String(),
			Spec: with(base, at, n("1")), Expect: Deploys})
	}
	for _, key := range []string{"client", "cluster", "monitoring", "metrics"} {
		at := p("chartValues", "ports", key)
		for _, v := range []any{n("0"), n("-1"), n("70000"), n("4222"), n("6222"), n("8222"), n("7777"), n("7522"), "4222", n("4222.5")} {
			g.add(Case{ID: fmt.Sprintf("port/%s/%s", at, valueID(v)), Class: "port", Field: at.String(), Spec: with(base, at, v)})
		}
	}
	for _, at := range []fieldPath{p("chartValues", "gateway", "port"), p("chartValues", "leafnodes", "port"), p("chartValues", "websocket", "port")} {
		for _, v := range []any{n("0"), n("70000"), n("4222")} {
			g.add(Case{ID: fmt.Sprintf("port/%s/%s", at, valueID(v)), Class: "port", Field: at.String(), Spec: with(base, at, v)})
		}
	}
	// Host ports: the client port as a host port next to the gateway's.
	g.add(Case{ID: "port/hostports/client-and-gateway-same", Class: "port", Field: "spec.gatewayConfig.hostPort",
		Spec: spec(base, p("pod", "enableClientsHostPort"), true, p("gatewayConfig", "hostPort"), n("4222"))})
}}

// valueID tells numbers from strings in case IDs.
func valueID(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("string-%s", s)
	}
	return fmt.Sprint(v)
}

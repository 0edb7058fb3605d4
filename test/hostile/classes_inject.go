package hostile

import (
	"fmt"
	"strings"
)

// payload is a string that, placed unescaped, would change nats.conf or
// the manifest around it.
type payload struct{ name, text string }

// confPayloads try to add users, tokens, includes or listeners to nats.conf.
var confPayloads = []payload{
	{"ltgt-users", `<< x }, authorization { users: [ {user: evil, password: evilpw} ] }, gateway { name: x >>`},
	{"quote-close-users", "x\"\n}\nauthorization { users: [ {user: evil, password: evilpw} ] }\n#"},
	{"newline-users", "x\n  authorization { users: [ {user: evil, password: evilpw} ] }"},
	{"newline-accounts", "x\naccounts { EVIL: { users: [ {user: evil, password: evilpw} ] } }\nno_auth_user: evil"},
	{"semicolon-token", "x; authorization { token: evil }"},
	{"variable", "$ROUTE_PASSWORD"},
	{"kubelet-variable", "$(ROUTE_PASSWORD)"},
	{"braced-variable", "${ROUTE_PASSWORD}"},
	{"include-token", "x\ninclude \"/var/run/secrets/kubernetes.io/serviceaccount/token\""},
	{"include-bare", "include ../../etc/passwd"},
	{"comment", "x # } authorization { token: evil }"},
	{"single-quote", "x'\nno_auth_user: 'evil"},
	{"backslash", "x\\\"\nno_auth_user: evil\n\\"},
	{"listeners", "x\nlisten: 0.0.0.0:1\nhttp: 0.0.0.0:2\nprof_port: 3"},
}

// privilegedStatefulSet is what a manifest break-out would add.
const privilegedStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: evil, namespace: kube-system}
spec:
  serviceName: evil
  selector: {matchLabels: {app: evil}}
  template:
    metadata: {labels: {app: evil}}
    spec:
      hostNetwork: true
      containers: [{name: evil, image: busybox, securityContext: {privileged: true}, volumeMounts: [{name: root, mountPath: /host}]}]
      volumes: [{name: root, hostPath: {fieldPath: /}}]`

// manifestPayloads try to add objects or fields to the rendered manifest,
// or to run template code.
var manifestPayloads = []payload{
	{"doc-secret", "fast\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: evil, namespace: kube-system}\nstringData: {x: y}"},
	{"doc-statefulset", "fast\n---\n" + privilegedStatefulSet},
	{"field", "nats\nworkingDir: /x"},
	{"flow-break", "a\", \"b: c"},
	{"crlf-doc", "x\r\n---\r\napiVersion: rbac.authorization.k8s.io/v1\r\nkind: ClusterRoleBinding\r\nmetadata: {name: evil}\r\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\r\nsubjects: [{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}]"},
	{"template", `{{ .Release.Namespace }}{{ (lookup "v1" "Secret" "kube-system" "") | toJson }}`},
	{"json-break", `x"}, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "evil`},
	{"nul", "x\x00y"},
	{"line-separator", "x\u2028---\u2028kind: Secret"},
	{"anchor", "&a [*a, *a]"},
	{"yaml-tag", "!!binary aGVsbG8="},
}

// sweepClass puts payloads into every string of a base spec, perLeaf of
// them per string, chosen by the seed: each payload lands in many fields
// and each field gets many payloads, without the whole product.
func sweepClass(name, base string, payloads []payload, perLeaf int) class {
	return class{name: name, add: func(g *gen) {
		b := parseSpec(base)
		for _, leaf := range stringLeaves(b, nil) {
			for _, i := range g.rnd.Perm(len(payloads))[:min(perLeaf, len(payloads))] {
				pl := payloads[i]
				g.add(Case{
					ID:    fmt.Sprintf("%s/%s/%s", name, leaf, pl.name),
					Class: name, Field: leaf.String(), Expect: Contained,
					Spec:            with(b, leaf, pl.text),
					RefusalMentions: fieldMentions(leaf),
				})
			}
		}
	}}
}

// fieldMentions are the paths a refusal of the field at p may name: the
// field itself or, for a map's values and list items, the map or list
// (CEL rules on a map name the map).
func fieldMentions(p fieldPath) []string {
	out := []string{p.String()}
	if len(p) > 1 {
		out = append(out, p[:len(p)-1].String())
	}
	return out
}

// keyInjection puts payloads into map keys, which the sweeps leave alone.
var keyInjection = class{name: "inject-key", add: func(g *gen) {
	maps := []fieldPath{
		p("pod", "labels"), p("pod", "annotations"), p("pod", "nodeSelector"),
		p("servicePolicy", "annotations"), p("managementServicePolicy", "labels"),
		p("template", "metadata", "annotations"), p("template", "metadata", "labels"),
		p("chartValues", "pod", "annotations"), p("chartValues", "services", "client", "labels"),
		p("chartValues", "config", "merge"), p("chartValues", "config", "merge", "jetstream"),
	}
	all := append(append([]payload{}, confPayloads...), manifestPayloads...)
	for _, m := range maps {
		for _, i := range g.rnd.Perm(len(all))[:10] {
			pl := all[i]
			var value any = "x"
			if strings.Contains(m.String(), "merge") {
				value = 1
			}
			g.add(Case{
				ID: fmt.Sprintf("inject-key/%s/%s", m, pl.name), Class: "inject-key", Field: m.String(),
				Spec: spec(nil, m, map[string]any{pl.text: value}), RefusalMentions: fieldMentions(m),
			})
		}
	}
}}

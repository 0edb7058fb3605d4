package hostile

import (
	"fmt"
	"strings"
)

// labelMaps are the maps that become labels or label selectors.
var labelMaps = []fieldPath{
	p("pod", "labels"), p("pod", "nodeSelector"), p("servicePolicy", "labels"),
	p("template", "metadata", "labels"), p("chartValues", "pod", "labels"), p("chartValues", "pod", "nodeSelector"),
	p("chartValues", "services", "mgmt", "labels"),
}

// labels: keys and values the API server refuses in labels and selectors,
// the operator's own label keys, and the longest legal ones.
var labels = class{name: "label", add: func(g *gen) {
	bad := map[string]map[string]any{
		"value-space":          {"team": "bad value"},
		"value-leading-dash":   {"team": "-x"},
		"value-slash":          {"team": "a/b"},
		"value-unicode":        {"team": "ä"},
		"value-64-chars":       {"team": strings.Repeat("v", 64)},
		"value-newline":        {"team": "a\nb"},
		"value-number":         {"team": n("1")},
		"key-uppercase-prefix": {"Example.com/x": "v"},
		"key-two-slashes":      {"a/b/c": "v"},
		"key-leading-dash":     {"-x": "v"},
		"key-64-chars":         {strings.Repeat("k", 64): "v"},
		"key-long-prefix":      {strings.Repeat("p", 254) + "/x": "v"},
		"key-empty":            {"": "v"},
		"operator-app":         {"app": "evil"},
		"operator-cluster":     {"nats_cluster": "other"},
		"operator-managed-by":  {"nats.io/managed-by": "someone-else"},
		"operator-instance":    {"app.kubernetes.io/instance": "other"},
		"helm-owner":           {"owner": "helm", "name": "other"},
		"value-null":           {"team": nil},
	}
	good := map[string]map[string]any{
		"value-63-chars":    {"team": "a" + strings.Repeat("b", 61) + "c"},
		"key-prefix-253":    {strings.Repeat("p", 253) + "/" + strings.Repeat("n", 63): "v"},
		"value-empty":       {"team": ""},
		"dotted-value":      {"team": "a.b_c-d"},
		"kubernetes-prefix": {"kubernetes.io/hostname": "node-1"},
	}
	for _, m := range labelMaps {
		base := parseSpec("size: 1\npod: {enableMetrics: true}\nchartValues: {metrics: {serviceMonitor: {enabled: false}}}")
		for id, value := range bad {
			g.add(Case{ID: fmt.Sprintf("label/%s/%s", m, id), Class: "label", Field: m.String(),
				Spec: with(base, m, value), RefusalMentions: fieldMentions(m)})
		}
		for id, value := range good {
			g.add(Case{ID: fmt.Sprintf("label/%s/%s", m, id), Class: "label", Field: m.String(),
				Spec: with(base, m, value), Expect: Deploys})
		}
		g.add(Case{ID: fmt.Sprintf("label/%s/64-entries", m), Class: "label", Field: m.String(),
			Spec: with(base, m, bigMap(64, 10)), Expect: Deploys})
		g.add(Case{ID: fmt.Sprintf("label/%s/1000-entries", m), Class: "label", Field: m.String(),
			Spec: with(base, m, bigMap(1000, 10)), RefusalMentions: fieldMentions(m)})
	}
}}

// annotations: the API server limits their total size and key syntax; the
// values are free text and must stay text.
var annotations = class{name: "annotation", add: func(g *gen) {
	maps := []fieldPath{
		p("pod", "annotations"), p("servicePolicy", "annotations"), p("managementServicePolicy", "annotations"),
		p("template", "metadata", "annotations"), p("chartValues", "pod", "annotations"),
		p("chartValues", "services", "client", "annotations"), p("chartValues", "services", "mgmt", "annotations"),
	}
	for _, m := range maps {
		base := parseSpec("size: 1")
		for id, value := range map[string]map[string]any{
			"total-over-256KiB": bigMap(64, 4096),
			"key-space":         {"a b": "v"},
			"key-two-slashes":   {"a/b/c": "v"},
			"value-number":      {"x": n("1")},
			"value-map":         {"x": map[string]any{"y": "z"}},
		} {
			g.add(Case{ID: fmt.Sprintf("annotation/%s/%s", m, id), Class: "annotation", Field: m.String(),
				Spec: with(base, m, value), RefusalMentions: fieldMentions(m)})
		}
		for id, value := range map[string]map[string]any{
			"unicode":         {"note": "ネイツ 🚀 \u202eRTL\u200b zero-width"},
			"multiline":       {"note": "line one\nline two\n---\nkind: Secret"},
			"value-4096":      {"note": strings.Repeat("x", 4096)},
			"json":            {"note": `{"authorization": {"users": [{"user": "evil"}]}}`},
			"template-syntax": {"note": "{{ .Values }} << $X >>"},
		} {
			g.add(Case{ID: fmt.Sprintf("annotation/%s/%s", m, id), Class: "annotation", Field: m.String(),
				Spec: with(base, m, value), Expect: Deploys})
		}
	}
}}

// configPaths are where the NATS container reads what the operator owns.
var configPaths = []string{
	"/etc/nats-config", "/etc/nats-config/", "/etc/nats-config/nats.conf", "/etc/nats-config/auth",
	"/etc/nats-config/auth/clients.conf", "//etc/nats-config", "/etc/./nats-config", "/etc/nats-config/.",
	"/etc/nats-operator", "/var/run/nats",
}

// mounts: volumes mounted over the config the operator renders, so the
// server would load a tenant's file instead.
var mounts = class{name: "mount-over", add: func(g *gen) {
	volume := map[string]any{"name": "evil", "configMap": map[string]any{"name": "evil-conf"}}
	planted := []map[string]any{{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "evil-conf"},
		"data": map[string]any{"nats.conf": "port: 4222\nauthorization { users: [ {user: evil, password: evilpw} ] }\n"},
	}}
	for _, mp := range configPaths {
		for _, sub := range []string{"", "nats.conf"} {
			mount := map[string]any{"name": "evil", "mountPath": mp}
			if sub != "" {
				mount["subPath"] = sub
			}
			id := strings.NewReplacer("/", "_").Replace(mp) + "/subPath-" + sub
			base := parseSpec("size: 1\nauth: {clientsAuthSecret: users}\noperatorConfig: {secret: op-jwt}")
			base = with(base, p("template"), map[string]any{"spec": map[string]any{"volumes": []any{volume}}})
			g.add(Case{ID: "mount-over/pod.volumeMounts/" + id, Class: "mount-over", Field: "spec.pod.volumeMounts",
				Spec: with(base, p("pod", "volumeMounts"), []any{mount}), Planted: planted})
			g.add(Case{ID: "mount-over/template/" + id, Class: "mount-over", Field: "spec.template",
				Spec: with(base, p("template", "spec", "containers"), []any{map[string]any{"name": "nats", "volumeMounts": []any{mount}}}), Planted: planted})
			g.add(Case{ID: "mount-over/chartValues/" + id, Class: "mount-over", Field: "spec.chartValues.pod.volumeMounts",
				Spec: with(base, p("chartValues", "pod", "volumeMounts"), []any{mount}), Planted: planted})
		}
	}
	// Volumes named like the operator's, so the operator's mount would read
	// the tenant's volume.
	for _, name := range []string{"config", "auth", "pid", "operator-jwt", "server-tls-certs"} {
		v := map[string]any{"name": name, "configMap": map[string]any{"name": "evil-conf"}}
		base := parseSpec("size: 1\nauth: {clientsAuthSecret: users}\noperatorConfig: {secret: op-jwt}\ntls: {serverSecret: certs}")
		g.add(Case{ID: "mount-over/volume-named/" + name, Class: "mount-over", Field: "spec.template",
			Spec: with(base, p("template"), map[string]any{"spec": map[string]any{"volumes": []any{v}}}), Planted: planted})
	}
	// TLS directories moved onto the config directory through chart values.
	for _, dir := range []string{"/etc/nats-config", "/etc/nats-config/auth", "/etc/nats-operator", "/etc/nats-config/x/..", "relative"} {
		base := parseSpec("size: 1\nauth: {clientsAuthSecret: users}\noperatorConfig: {secret: op-jwt}")
		g.add(Case{ID: "mount-over/tls-dir/" + strings.ReplaceAll(dir, "/", "_"), Class: "mount-over", Field: "spec.chartValues.tls.client.dir",
			Spec: with(base, p("chartValues", "tls"), map[string]any{"client": map[string]any{"secret": "certs", "dir": dir}})})
	}
}}

// serverFlags: command-line flags override nats.conf, so a flag in the
// template's NATS container would replace what the operator owns.
var serverFlags = class{name: "server-flags", add: func(g *gen) {
	flagSets := map[string][]any{
		"config":        {"-c", "/tmp/evil.conf"},
		"config-eq":     {"--config=/etc/nats-config/evil.conf"},
		"user":          {"--user", "evil", "--pass", "evilpw"},
		"token":         {"--auth", "evil"},
		"port":          {"-p", "1"},
		"http":          {"-m", "2"},
		"routes":        {"--routes", "nats://evil:6222"},
		"cluster":       {"--cluster", "nats://0.0.0.0:1"},
		"profile":       {"--profile", "6060"},
		"jetstream-dir": {"-js", "-sd", "/tmp"},
		"signal":        {"--signal", "stop=1"},
		"pid":           {"-P", "/tmp/pid"},
	}
	for id, args := range flagSets {
		for _, where := range []string{"args", "command"} {
			container := map[string]any{"name": "nats", where: args}
			g.add(Case{ID: fmt.Sprintf("server-flags/%s/%s", where, id), Class: "server-flags", Field: "spec.template",
				Spec: spec(parseSpec("size: 1\nauth: {clientsAuthSecret: users}"), p("template", "spec", "containers"), []any{container})})
		}
		// The first container is the NATS one when none is named nats.
		g.add(Case{ID: "server-flags/unnamed/" + id, Class: "server-flags", Field: "spec.template",
			Spec: spec(parseSpec("size: 1"), p("template", "spec", "containers"), []any{map[string]any{"name": "side", "image": "busybox", "args": args}})})
	}
	// Harmless flags a user may well pass.
	g.add(Case{ID: "server-flags/args/debug", Class: "server-flags", Field: "spec.template",
		Spec: spec(parseSpec("size: 1"), p("template", "spec", "containers"), []any{map[string]any{"name": "nats", "args": []any{"-DV"}}})})
}}

// envShadow: the NATS container's variables that nats.conf refers to,
// defined again by the tenant.
var envShadow = class{name: "env-shadow", add: func(g *gen) {
	values := map[string]string{
		"routes-evil":   "[nats://evil:6222]",
		"users-map":     "{users: [{user: evil, password: evilpw}]}",
		"close-block":   "x }\nauthorization { token: evil }\nx { y: z",
		"include":       "x\ninclude /var/run/secrets/kubernetes.io/serviceaccount/token",
		"self-ref-conf": "$SERVER_NAME",
	}
	for _, name := range []string{"ROUTES", "SERVER_NAME", "ROUTE_PASSWORD", "POD_NAME"} {
		for id, value := range values {
			env := []any{map[string]any{"name": name, "value": value}}
			base := parseSpec("size: 2\nuseServerName: true\nauth: {clusterAuthSecret: routes}")
			g.add(Case{ID: fmt.Sprintf("env-shadow/natsEnv/%s/%s", name, id), Class: "env-shadow", Field: "spec.pod.natsEnv",
				Spec: with(base, p("pod", "natsEnv"), env)})
			g.add(Case{ID: fmt.Sprintf("env-shadow/chartValues/%s/%s", name, id), Class: "env-shadow", Field: "spec.chartValues.pod.env",
				Spec: with(base, p("chartValues", "pod", "env"), env)})
		}
	}
	for id, env := range map[string]any{
		"name-with-equals":    []any{map[string]any{"name": "A=B", "value": "x"}},
		"name-empty":          []any{map[string]any{"name": "", "value": "x"}},
		"value-and-valueFrom": []any{map[string]any{"name": "X", "value": "x", "valueFrom": map[string]any{"fieldRef": map[string]any{"fieldPath": "metadata.name"}}}},
		"foreign-secret":      []any{map[string]any{"name": "X", "valueFrom": map[string]any{"secretKeyRef": map[string]any{"name": "kube-system/token", "key": "k"}}}},
	} {
		g.add(Case{ID: "env-shadow/invalid/" + id, Class: "env-shadow", Field: "spec.pod.natsEnv",
			Spec: spec(parseSpec("size: 1"), p("pod", "natsEnv"), env), RefusalMentions: []string{"spec.pod.natsEnv"}})
	}
}}

// templates: the schemaless pod template, where only the API server's
// StatefulSet validation and the operator's guard stand.
var templates = class{name: "template", add: func(g *gen) {
	for id, tpl := range map[string]any{
		"namespace":             map[string]any{"metadata": map[string]any{"namespace": "kube-system", "name": "evil"}},
		"selector-labels":       map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "evil", "nats_cluster": "other"}}},
		"nats-ports":            map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "nats", "ports": []any{map[string]any{"name": "evil", "containerPort": 9999}}}}}},
		"nats-port-client-name": map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "nats", "ports": []any{map[string]any{"name": "client", "containerPort": 1}}}}}},
		"duplicate-nats":        map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "nats"}, map[string]any{"name": "nats", "image": "busybox"}}}},
		"host-network":          map[string]any{"spec": map[string]any{"hostNetwork": true, "hostPID": true}},
		"privileged-sidecar": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "side", "image": "busybox", "securityContext": map[string]any{"privileged": true}, "volumeMounts": []any{map[string]any{"name": "root", "mountPath": "/host"}}}},
			"volumes":    []any{map[string]any{"name": "root", "hostPath": map[string]any{"fieldPath": "/"}}},
		}},
		"containers-string": map[string]any{"spec": map[string]any{"containers": "x"}},
		"spec-list":         map[string]any{"spec": []any{}},
		"kind-secret":       map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "evil", "namespace": "kube-system"}, "stringData": map[string]any{"x": "y"}},
		"restart-never":     map[string]any{"spec": map[string]any{"restartPolicy": "Never"}},
		"grace-negative":    map[string]any{"spec": map[string]any{"terminationGracePeriodSeconds": n("-5")}},
		"grace-huge":        map[string]any{"spec": map[string]any{"terminationGracePeriodSeconds": n("9223372036854775807")}},
		"init-over-config": map[string]any{"spec": map[string]any{"initContainers": []any{map[string]any{
			"name": "init", "image": "busybox", "volumeMounts": []any{map[string]any{"name": "config", "mountPath": "/c"}}}}}},
		"service-account-other-namespace": map[string]any{"spec": map[string]any{"serviceAccountName": "kube-system:default"}},
		"unknown-fields":                  map[string]any{"spec": map[string]any{"evil": true, "containers": []any{map[string]any{"name": "nats", "evil": true}}}},
	} {
		g.add(Case{ID: "template/" + id, Class: "template", Field: "spec.template",
			Spec: spec(parseSpec("size: 1"), p("template"), tpl), RefusalMentions: []string{"spec.template"}})
		g.add(Case{ID: "template/chartValues/" + id, Class: "template", Field: "spec.chartValues.pod.template",
			Spec: spec(parseSpec("size: 1"), p("chartValues", "pod", "template"), tpl)})
	}
	g.add(Case{ID: "template/not-an-object", Class: "template", Field: "spec.template", Spec: spec(nil, p("template"), "x"),
		Expect: Refused, RefusalMentions: []string{"spec.template"}})
}}

// podPolicy: tolerations, resources and images the API server refuses in
// a pod, although each is a well-formed value.
var podPolicy = class{name: "pod-policy", add: func(g *gen) {
	for id, at := range map[string]struct {
		at    fieldPath
		value any
	}{
		"toleration-operator":      {p("pod", "tolerations"), []any{map[string]any{"key": "k", "operator": "Bad"}}},
		"toleration-effect":        {p("pod", "tolerations"), []any{map[string]any{"key": "k", "operator": "Exists", "effect": "Evil"}}},
		"toleration-key":           {p("pod", "tolerations"), []any{map[string]any{"key": "a b", "operator": "Exists"}}},
		"toleration-seconds":       {p("pod", "tolerations"), []any{map[string]any{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": n("5")}}},
		"toleration-exists-value":  {p("pod", "tolerations"), []any{map[string]any{"key": "k", "operator": "Exists", "value": "v"}}},
		"requests-over-limits":     {p("pod", "resources"), map[string]any{"requests": map[string]any{"cpu": "2"}, "limits": map[string]any{"cpu": "1"}}},
		"quantity-bad":             {p("pod", "resources"), map[string]any{"limits": map[string]any{"cpu": "1x"}}},
		"quantity-huge":            {p("pod", "resources"), map[string]any{"limits": map[string]any{"memory": "1e1000"}}},
		"resource-name":            {p("pod", "resources"), map[string]any{"limits": map[string]any{"evil/thing!": "1"}}},
		"many-resources":           {p("pod", "resources"), map[string]any{"limits": bigMap(100, 1)}},
		"reloader-requests-over":   {p("pod", "reloaderResources"), map[string]any{"requests": map[string]any{"memory": "2Gi"}, "limits": map[string]any{"memory": "1Gi"}}},
		"pull-policy":              {p("pod", "reloaderImagePullPolicy"), "Sometimes"},
		"mount-unknown-volume":     {p("pod", "volumeMounts"), []any{map[string]any{"name": "missing", "mountPath": "/x"}}},
		"mount-relative":           {p("pod", "volumeMounts"), []any{map[string]any{"name": "missing", "mountPath": "x"}}},
		"chartValues-pull-policy":  {p("chartValues", "image", "pullPolicy"), "Sometimes"},
		"chartValues-requests":     {p("chartValues", "pod", "resources"), map[string]any{"requests": map[string]any{"cpu": "2"}, "limits": map[string]any{"cpu": "1"}}},
		"chartValues-securityctx":  {p("chartValues", "pod", "containerSecurityContext"), map[string]any{"privileged": true, "runAsUser": n("-1")}},
		"chartValues-toleration":   {p("chartValues", "pod", "tolerations"), []any{map[string]any{"key": "k", "operator": "Bad"}}},
		"chartValues-mount":        {p("chartValues", "pod", "volumeMounts"), []any{map[string]any{"name": "missing", "mountPath": "/x"}}},
		"chartValues-image-ref":    {p("chartValues", "image", "ref"), "evil image"},
		"chartValues-service-type": {p("chartValues", "services", "client", "type"), "LoadBalancer"},
	} {
		g.add(Case{ID: "pod-policy/" + id, Class: "pod-policy", Field: at.at.String(),
			Spec: spec(parseSpec("size: 1"), at.at, at.value), RefusalMentions: fieldMentions(at.at)})
	}
}}

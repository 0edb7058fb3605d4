package values

import "strings"

// SchemaRule is a bound of Validate that JSON Schema can state, for the
// chart's generated values.schema.json (hack/valuesschema): Helm then
// refuses the value at install and upgrade with the same bound the
// operator's own check holds. The rules use Validate's constants and
// patterns, and a test checks that each holds in Validate too.
type SchemaRule struct {
	// Path is the value's dotted path in values.yaml; "[]" stands for the
	// items of a list and "{}" for the values of a map.
	Path string
	// Keywords are the JSON Schema keywords added at Path.
	Keywords map[string]any
}

// Patterns in JSON Schema's (ECMAScript) dialect; each is also what
// Validate matches with regexp.
const (
	imagePattern              = `^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$`
	optionalImagePattern      = `^([A-Za-z0-9][A-Za-z0-9._/:@+-]*)?$`
	prometheusDurationPattern = `^([0-9]+(ms|s|m|h|d|w|y))+$`
	tlsNamePattern            = `^[A-Za-z0-9_]{1,64}$`
	// quantityPattern is what resource.ParseQuantity takes, positive.
	quantityPattern = `^[0-9]+(\.[0-9]+)?([KMGTPE]i|[numkMGTPE]|[eE][0-9]+)?$`
)

var pullPolicies = []any{"", "Always", "IfNotPresent", "Never"}

// SchemaRules are the bounds of Validate that the schema states. Bounds
// that need more than one value at once (two listeners on one port, a
// route without '$', a NATS URL's form) stay with Validate alone.
func SchemaRules() []SchemaRule {
	between := func(lo, hi int64) map[string]any { return map[string]any{"minimum": lo, "maximum": hi} }
	port := between(1, 65535)
	count := between(0, 1<<53)
	items := func(n int) map[string]any { return map[string]any{"maxItems": n} }
	entries := map[string]any{"maxProperties": MaxMapEntries}
	image := map[string]any{"pattern": imagePattern, "maxLength": MaxImageLength}
	pullPolicy := map[string]any{"enum": pullPolicies}
	rules := []SchemaRule{
		{"size", between(0, MaxSize)},
		{"image.repository", image},
		{"image.tag", image},
		{"image.ref", map[string]any{"pattern": optionalImagePattern, "maxLength": MaxImageLength}},
		{"image.pullPolicy", pullPolicy},
		{"serverVersion", map[string]any{"maxLength": maxServerVersion}},
		{"server.lameDuckDurationSeconds", between(MinLameDuckSeconds, MaxLameDuckSeconds)},
		{"server.connectRetries", between(0, MaxConnectRetries)},
		{"server.maxConnections", count},
		{"server.maxPayload", count},
		{"server.maxPending", count},
		{"server.maxSubscriptions", count},
		{"server.maxControlLine", count},
		{"ports.client", port},
		{"ports.cluster", port},
		{"ports.monitoring", port},
		{"ports.metrics", port},
		{"gateway.port", port},
		{"leafnodes.port", port},
		{"websocket.port", port},
		{"routes.extra", items(MaxListItems)},
		{"routes.extra[]", map[string]any{"maxLength": MaxURLLength}},
		{"gateway.name", map[string]any{"maxLength": MaxNameLength}},
		{"gateway.gateways", items(MaxListItems)},
		{"gateway.gateways[].name", map[string]any{"maxLength": MaxNameLength}},
		{"gateway.gateways[].url", map[string]any{"maxLength": MaxURLLength}},
		{"leafnodes.remotes", items(MaxListItems)},
		{"leafnodes.remotes[].urls", map[string]any{"minItems": 1, "maxItems": MaxURLsPerRemote}},
		{"leafnodes.remotes[].urls[]", map[string]any{"maxLength": MaxURLLength}},
		{"operatorJWT.systemAccount", map[string]any{"maxLength": 256}},
		{"operatorJWT.resolver", map[string]any{"maxLength": MaxURLLength}},
		{"advertise.image", image},
		{"advertise.pullPolicy", pullPolicy},
		{"reloader.image", image},
		{"reloader.pullPolicy", pullPolicy},
		{"metrics.image", image},
		{"metrics.pullPolicy", pullPolicy},
		{"metrics.serviceMonitor.interval", map[string]any{"pattern": prometheusDurationPattern}},
		{"metrics.serviceMonitor.labels", entries},
		{"jetstream.domain", map[string]any{"maxLength": MaxNameLength}},
		{"jetstream.memory.maxBytes", count},
		{"jetstream.file.maxBytes", count},
		{"jetstream.file.size", map[string]any{"pattern": quantityPattern}},
		{"jetstream.file.whenDeleted", map[string]any{"enum": []any{"Delete", "Retain"}}},
		{"jetstream.file.whenScaled", map[string]any{"enum": []any{"Delete", "Retain"}}},
		{"services.client.labels", entries},
		{"services.client.annotations", entries},
		{"services.mgmt.labels", entries},
		{"services.mgmt.annotations", entries},
		{"pod.labels", entries},
		{"pod.annotations", entries},
		{"pod.nodeSelector", entries},
		{"pod.tolerations", items(MaxPodListItems)},
		{"pod.env", items(MaxPodListItems)},
		{"pod.volumeMounts", items(MaxPodListItems)},
		{"podDisruptionBudget.maxUnavailable", between(0, maxPodDisruptionSize)},
	}
	rules = append(rules,
		SchemaRule{"global.labels", entries},
		SchemaRule{"global.image.pullSecretNames", items(MaxListItems)},
		SchemaRule{"global.image.registry", map[string]any{"pattern": registryPattern, "maxLength": MaxNameLength}},
		// The object overrides share one type; podDisruptionBudget and the
		// PodMonitor have their own.
		SchemaRule{"statefulSet.patch", items(MaxPatchOperations)},
		SchemaRule{"statefulSet.patch[].op", map[string]any{"enum": PatchOps}},
		SchemaRule{"podDisruptionBudget.patch", items(MaxPatchOperations)},
		SchemaRule{"promExporter.podMonitor.patch", items(MaxPatchOperations)},
	)
	// The five TLS blocks share one type, and so one set of rules.
	rules = append(rules,
		SchemaRule{"tls.client.dir", map[string]any{"pattern": "^/"}},
		SchemaRule{"tls.client.timeout", map[string]any{"minimum": 0, "maximum": int64(MaxDuration.Seconds())}},
		SchemaRule{"tls.client.cipherSuites", items(MaxListItems)},
		SchemaRule{"tls.client.cipherSuites[]", map[string]any{"pattern": tlsNamePattern}},
		SchemaRule{"tls.client.curvePreferences", items(MaxListItems)},
		SchemaRule{"tls.client.curvePreferences[]", map[string]any{"pattern": tlsNamePattern}},
	)
	return rules
}

// SchemaPathSegments splits a rule's path into keys, "[]" and "{}".
func SchemaPathSegments(path string) []string {
	var out []string
	for _, part := range strings.Split(path, ".") {
		for {
			key, rest, found := strings.Cut(part, "[]")
			if key != "" {
				out = append(out, key)
			}
			if !found {
				break
			}
			out = append(out, "[]")
			part = rest
		}
	}
	return out
}

package cli

import (
	"fmt"
	"strconv"
	"strings"
)

// knownGates are the feature gates nats-operator accepted; the flag is kept
// so that existing Deployments start unchanged.
var knownGates = map[string]bool{"ClusterScoped": true}

// ParseFeatureGates parses "Key=bool[,Key=bool…]" like nats-operator did: an
// unknown key, a malformed pair or a non-boolean value is an error; a
// trailing comma is allowed.
func ParseFeatureGates(s string) (map[string]bool, error) {
	gates := map[string]bool{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return nil, fmt.Errorf("feature gate %q: want Key=true|false", pair)
		}
		k = strings.TrimSpace(k)
		if !knownGates[k] {
			return nil, fmt.Errorf("unknown feature gate %q (known: ClusterScoped)", k)
		}
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("feature gate %s: %q is not a boolean", k, v)
		}
		gates[k] = b
	}
	return gates, nil
}

// WatchNamespaces decides the operator's scope. WATCH_NAMESPACE (a comma
// list; empty means all namespaces) is the source, as OLM sets it;
// --feature-gates=ClusterScoped=true forces all namespaces, as it did in
// nats-operator.
func WatchNamespaces(watchNamespaceEnv string, gates map[string]bool) []string {
	if gates["ClusterScoped"] {
		return nil
	}
	var out []string
	for _, ns := range strings.Split(watchNamespaceEnv, ",") {
		if ns = strings.TrimSpace(ns); ns != "" {
			out = append(out, ns)
		}
	}
	return out
}

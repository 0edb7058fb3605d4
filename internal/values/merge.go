package values

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nats-operator/nats-operator/internal/natsconf"
)

// Bounds of config.merge: enough for any real server option, too little to
// hurt the operator or the ConfigMap.
const (
	MaxMergeDepth   = 8
	MaxMergeEntries = 512
	MaxMergeString  = 4096
)

// ownedAnywhere are nats.conf keys that define who may connect. They are
// the operator's at any depth: a NatsCluster's auth comes from spec.auth and
// the operator's include files, never from config text.
var ownedAnywhere = map[string]bool{
	"authorization": true, "accounts": true, "no_auth_user": true, "users": true,
	"nkeys": true, "auth_callout": true, "include": true, "operator": true,
	"operators": true, "trusted": true, "trusted_keys": true, "resolver": true,
	"resolver_preload": true, "system_account": true, "system": true,
}

// ownedTop are top-level keys the pod spec, probes and the reloader depend on.
var ownedTop = map[string]bool{
	"listen": true, "port": true, "host": true, "net": true,
	"http": true, "http_port": true, "https": true, "https_port": true, "monitor_port": true,
	"pid_file": true, "ports_file": true, "server_name": true,
}

// ownedListener are keys of the cluster, gateway, leafnodes and websocket
// blocks that the Services, routes and auth includes depend on.
var ownedListener = map[string]bool{
	"listen": true, "port": true, "host": true, "net": true, "routes": true, "name": true,
}

// ownedBlocks are the blocks whose listener keys are owned.
var ownedBlocks = map[string]bool{"cluster": true, "gateway": true, "leafnodes": true, "websocket": true, "mqtt": true}

// ownedStore: the JetStream store must stay on the PVC.
var ownedStore = map[string]bool{"store_dir": true}

// mergeVariables are the container variables config.merge may refer to as
// "<< $NAME >>": the downward API's, never a credential.
var mergeVariables = map[string]bool{"POD_NAME": true, "POD_NAMESPACE": true, EnvServerName: true}

var unquoted = regexp.MustCompile(`(?s)^<<\s*(.*?)\s*>>$`)

// mergeConfig merges config.merge over conf. Maps merge key by key (keys
// compare as the server compares them, case-insensitively), anything else
// replaces. Keys the operator owns are refused unless allowOwned.
func mergeConfig(conf *natsconf.Map, merge map[string]any, allowOwned bool) error {
	if len(merge) == 0 {
		return nil
	}
	entries := 0
	user, err := toConfMap(merge, "config.merge", 1, &entries)
	if err != nil {
		return err
	}
	if !allowOwned {
		if err := refuseOwned(user, nil); err != nil {
			return err
		}
	}
	deepMerge(conf, user)
	return nil
}

func refuseOwned(m *natsconf.Map, parents []string) error {
	for _, k := range m.Keys() {
		key := strings.ToLower(k)
		p := append(append([]string{}, parents...), k)
		if ownedKey(key, parents) {
			return fmt.Errorf("config.merge.%s: the operator owns this nats.conf key (listeners, server names and auth come from the NatsCluster's typed fields and spec.auth); remove it from config.merge, or set it through the matching spec field (an operator started with --allow-owned-config-overrides accepts it)", strings.Join(p, "."))
		}
		v, _ := m.Get(k)
		if err := refuseOwnedIn(v, p); err != nil {
			return err
		}
	}
	return nil
}

func refuseOwnedIn(v natsconf.Value, p []string) error {
	switch t := v.(type) {
	case *natsconf.Map:
		return refuseOwned(t, p)
	case natsconf.List:
		for i, item := range t {
			if err := refuseOwnedIn(item, append(append([]string{}, p...), fmt.Sprint(i))); err != nil {
				return err
			}
		}
	}
	return nil
}

func ownedKey(key string, parents []string) bool {
	if ownedAnywhere[key] {
		return true
	}
	switch len(parents) {
	case 0:
		return ownedTop[key]
	case 1:
		parent := strings.ToLower(parents[0])
		return (ownedBlocks[parent] && ownedListener[key]) || (parent == "jetstream" && ownedStore[key])
	}
	return false
}

// deepMerge merges src over dst.
func deepMerge(dst, src *natsconf.Map) {
	for _, k := range src.Keys() {
		sv, _ := src.Get(k)
		if sm, ok := sv.(*natsconf.Map); ok {
			if dv, ok := dst.Get(k); ok {
				if dm, ok := dv.(*natsconf.Map); ok {
					deepMerge(dm, sm)
					continue
				}
			}
		}
		dst.Set(k, sv)
	}
}

// toConfMap converts a helm-style value tree (JSON types) into nats.conf
// values, bounded in depth, size and string length.
func toConfMap(in map[string]any, at string, depth int, entries *int) (*natsconf.Map, error) {
	if depth > MaxMergeDepth {
		return nil, fmt.Errorf("%s: nested deeper than %d levels", at, MaxMergeDepth)
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic output, whatever the map order
	out := natsconf.NewMap()
	for _, k := range keys {
		if err := natsconf.ValidKey(k); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		if _, dup := out.Get(k); dup {
			return nil, fmt.Errorf("%s.%s: the key is given twice in different case; nats.conf keys are case-insensitive", at, k)
		}
		v, err := toConfValue(in[k], at+"."+k, depth, entries)
		if err != nil {
			return nil, err
		}
		out.Set(k, v)
	}
	return out, nil
}

func toConfValue(in any, at string, depth int, entries *int) (natsconf.Value, error) {
	*entries++
	if *entries > MaxMergeEntries {
		return nil, fmt.Errorf("config.merge: more than %d values", MaxMergeEntries)
	}
	switch t := in.(type) {
	case map[string]any:
		return toConfMap(t, at, depth+1, entries)
	case []any:
		if depth+1 > MaxMergeDepth {
			return nil, fmt.Errorf("%s: nested deeper than %d levels", at, MaxMergeDepth)
		}
		list := make(natsconf.List, 0, len(t))
		for i, item := range t {
			v, err := toConfValue(item, fmt.Sprintf("%s[%d]", at, i), depth+1, entries)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case string:
		return toConfString(t, at)
	case bool:
		return natsconf.Bool(t), nil
	case float64:
		return toConfNumber(t, at)
	case int:
		return natsconf.Int(t), nil
	case int64:
		return natsconf.Int(t), nil
	case nil:
		return nil, fmt.Errorf("%s: null is not a nats.conf value; remove the key instead", at)
	default:
		return nil, fmt.Errorf("%s: %T is not a nats.conf value", at, in)
	}
}

func toConfNumber(f float64, at string) (natsconf.Value, error) {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return nil, fmt.Errorf("%s: not a finite number", at)
	case f == math.Trunc(f) && math.Abs(f) < 1<<53:
		return natsconf.Int(int64(f)), nil
	case f < 0:
		return nil, fmt.Errorf("%s: %v: fractions must not be negative", at, f)
	case f >= 1<<53:
		return nil, fmt.Errorf("%s: %v is larger than nats.conf holds exactly", at, f)
	}
	return natsconf.Float(f), nil
}

// toConfString keeps the official chart's "<< X >>" convention for what
// nats.conf reads as one token: a duration (2m, 1h30m: written quoted, which
// the server parses as a duration), a size (8MB, 1GiB) or a downward-API
// variable. Anything else inside << >> is refused; every other string is
// a quoted string.
func toConfString(s, at string) (natsconf.Value, error) {
	if len(s) > MaxMergeString {
		return nil, fmt.Errorf("%s: longer than %d characters", at, MaxMergeString)
	}
	m := unquoted.FindStringSubmatch(s)
	if m == nil {
		return natsconf.String(s), nil
	}
	inner := m[1]
	if name, ok := strings.CutPrefix(inner, "$"); ok {
		if !mergeVariables[name] {
			return nil, fmt.Errorf("%s: %q: config.merge may refer only to $POD_NAME, $POD_NAMESPACE and $SERVER_NAME", at, s)
		}
		return natsconf.Variable(name), nil
	}
	// A duration first: unquoted, the server would read 2m as two million,
	// while every option that takes a duration parses it from a string.
	if _, err := time.ParseDuration(inner); err == nil {
		return natsconf.String(inner), nil
	}
	if natsconf.ValidLiteral(inner) == nil {
		return natsconf.Literal(inner), nil
	}
	return nil, fmt.Errorf("%s: %q: << >> holds one size (8MB), duration (2m) or $POD_NAME; write other values without << >>", at, truncated(s))
}

func truncated(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

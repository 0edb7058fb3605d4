package values

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// schemaChart is the nats-cluster chart as far as Helm's schema check
// needs it: its values.schema.json.
func schemaChart(t testing.TB) *chart.Chart {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "helm-charts", "nats-cluster", "values.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return &chart.Chart{Metadata: &chart.Metadata{Name: "nats-cluster"}, Schema: raw, Values: chartDefaults(t)}
}

// asHelmSees layers chartValues over values.yaml without Go's decoding:
// what Helm validates when the values did not come from the translator.
func asHelmSees(t testing.TB, chartValues map[string]any) map[string]any {
	t.Helper()
	merged := deepCopyMap(chartDefaults(t))
	mergeInto(merged, chartValues)
	return merged
}

// ruleContext is what makes Validate look at a rule's value at all (a TLS
// block is checked only with its Secret, a listener's port only when on).
var ruleContext = map[string]string{
	"tls.client.":    `{"tls": {"client": {"secret": "certs"}}}`,
	"gateway.port":   `{"gateway": {"enabled": true, "name": "a"}}`,
	"leafnodes.port": `{"leafnodes": {"enabled": true}}`,
	"websocket.port": `{"websocket": {"enabled": true}}`,
}

// TestSchemaRulesHoldInValidate: each bound the generated schema states
// is one Validate holds, so Helm's refusal and the operator's agree. For
// every rule, a value just past it is refused by both, the translator's
// message naming the value.
func TestSchemaRulesHoldInValidate(t *testing.T) {
	c := schemaChart(t)
	for _, rule := range SchemaRules() {
		for keyword, limit := range rule.Keywords {
			t.Run(rule.Path+"/"+keyword, func(t *testing.T) {
				user := map[string]any{}
				for prefix, ctx := range ruleContext {
					if strings.HasPrefix(rule.Path, prefix) {
						if err := json.Unmarshal([]byte(ctx), &user); err != nil {
							t.Fatal(err)
						}
					}
				}
				segs := SchemaPathSegments(rule.Path)
				mergeInto(user, place(segs, pastRule(t, rule.Path, keyword, limit)))
				raw, err := json.Marshal(user)
				if err != nil {
					t.Fatal(err)
				}
				last := segs[len(segs)-1]
				if last == "[]" {
					last = segs[len(segs)-2]
				}
				// Owned values too (operatorJWT): the opt-in lifts the ban, not the bounds.
				tr := Translator{Defaults: chartDefaults(t), AllowOwnedConfig: true}
				if _, err := tr.Values(cluster(string(raw))); err == nil || !strings.Contains(err.Error(), last) {
					t.Errorf("the translator takes %s (err = %v); the schema refuses it", raw, err)
				}
				if err := chartutil.ValidateAgainstSchema(c, asHelmSees(t, user)); err == nil {
					t.Errorf("values.schema.json takes %s: is it generated (make generate)?", raw)
				}
			})
		}
	}
}

// place nests v at path segs, a list for "[]".
func place(segs []string, v any) map[string]any {
	for i := len(segs) - 1; i >= 0; i-- {
		if segs[i] == "[]" {
			v = []any{v}
		} else {
			v = map[string]any{segs[i]: v}
		}
	}
	return v.(map[string]any)
}

// pastRule is a value that breaks one keyword of a rule.
func pastRule(t *testing.T, path, keyword string, limit any) any {
	n := func() int { return int(toInt64(t, limit)) }
	switch keyword {
	case "maximum":
		if l := toInt64(t, limit); l >= 1<<53 {
			return 2 * l // JSON numbers are float64: 2^53+1 would read as 2^53
		}
		return toInt64(t, limit) + 1
	case "minimum":
		return toInt64(t, limit) - 1
	case "maxLength":
		return strings.Repeat("a", n()+1)
	case "pattern":
		if path == "tls.client.dir" {
			return "relative/dir"
		}
		return "not valid!"
	case "enum":
		return "Sometimes"
	case "minItems":
		return []any{}
	case "maxItems":
		item := any(map[string]any{})
		if strings.HasSuffix(path, "extra") || strings.HasSuffix(path, "urls") || strings.Contains(path, "cipher") || strings.Contains(path, "curve") {
			item = "nats://a:1"
		}
		items := make([]any, n()+1)
		for i := range items {
			items[i] = item
		}
		return items
	case "maxProperties":
		m := map[string]any{}
		for i := range n() + 1 {
			m[fmt.Sprintf("k%d", i)] = "v"
		}
		return m
	}
	t.Fatalf("no value past %s", keyword)
	return nil
}

func toInt64(t *testing.T, v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	}
	t.Fatalf("%v is not a whole number", v)
	return 0
}

// TestSchemaTakesWhatTheTranslatorGives: the values the operator hands
// Helm pass the schema Helm checks them against, for the typed spec and
// for overrides.
func TestSchemaTakesWhatTheTranslatorGives(t *testing.T) {
	c := schemaChart(t)
	for _, chartValues := range []string{
		``,
		`{"size": 5, "config": {"merge": {"max_payload": "<< 8MB >>"}}}`,
		`{"routes": {"extra": ["nats://a:1"]}, "websocket": {"enabled": true, "port": 443, "handshakeTimeout": "2s"}}`,
		`{"pod": {"tolerations": null, "resources": {"limits": {"cpu": "2", "memory": 0.5}}}}`,
		`{"metrics": {"enabled": true, "serviceMonitor": {"enabled": true, "labels": {"a": "b"}}}}`,
		`{"pod": {"env": [{"name": "GOMEMLIMIT", "value": "7GiB"}], "securityContext": {"runAsUser": 2000}}}`,
		`{"global": {"image": {"registry": "registry.example.com:5000/mirror", "pullSecretNames": ["regcred"]}, "labels": {"team": "a"}}}`,
		`{"statefulSet": {"patch": [{"op": "add", "path": "/spec/minReadySeconds", "value": 10}]}, "service": {"merge": {"spec": {"type": "LoadBalancer"}}}}`,
		`{"metrics": {"enabled": true}, "promExporter": {"podMonitor": {"enabled": true, "merge": {"spec": {"jobLabel": "nats"}}}}}`,
	} {
		nc := cluster(chartValues)
		nc.Spec.Auth = &natsv1alpha2.AuthConfig{ClientsAuthSecret: "users"}
		vals, err := ToChartValues(nc, chartDefaults(t))
		if err != nil {
			t.Fatalf("%s: %v", chartValues, err)
		}
		// As Helm: values.yaml under the values, then the schema.
		coalesced, err := chartutil.CoalesceValues(c, vals)
		if err != nil {
			t.Fatal(err)
		}
		if err := chartutil.ValidateAgainstSchema(c, coalesced); err != nil {
			t.Errorf("%s: the schema refuses the translator's values: %v", chartValues, err)
		}
	}
}

// TestSchemaRefusesUnknownKeys: as the translator's strict decoding,
// at any depth, including inside Kubernetes types.
func TestSchemaRefusesUnknownKeys(t *testing.T) {
	c := schemaChart(t)
	for _, chartValues := range []string{
		`{"sise": 3}`,
		`{"server": {"maxPayloads": 5}}`,
		`{"leafnodes": {"remotes": [{"url": "nats://a:1"}]}}`,
		`{"pod": {"resources": {"limit": {"cpu": "1"}}}}`,
		`{"size": "five"}`,
	} {
		var user map[string]any
		if err := json.Unmarshal([]byte(chartValues), &user); err != nil {
			t.Fatal(err)
		}
		if err := chartutil.ValidateAgainstSchema(c, asHelmSees(t, user)); err == nil {
			t.Errorf("%s: the schema takes it", chartValues)
		}
		if _, err := (Translator{Defaults: chartDefaults(t)}).Values(cluster(chartValues)); err == nil {
			t.Errorf("%s: the translator takes it", chartValues)
		}
	}
}

package values

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/conf"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// chartDefaults are the chart's values.yaml, the bottom layer of the values.
func chartDefaults(t testing.TB) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "helm-charts", "nats-cluster", "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func cluster(chartValues string) *natsv1alpha2.NatsCluster {
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "nats", Namespace: "apps"}}
	nc.Spec.Size = ptr.To[int32](3)
	if chartValues != "" {
		nc.Spec.ChartValues = &apiextensionsv1.JSON{Raw: []byte(chartValues)}
	}
	return nc
}

// TestRunawayValuesAreRefused: before the bounds, size 1e9 in chartValues
// built a billion routes and took the operator down with it.
func TestRunawayValuesAreRefused(t *testing.T) {
	for name, tt := range map[string]struct{ chartValues, want string }{
		"size 1e9":             {`{"size": 1e9}`, "size"},
		"size above maximum":   {`{"size": 101}`, "size: 101 is out of range"},
		"negative size":        {`{"size": -1}`, "size"},
		"size as text":         {`{"size": "3\nfoo: bar"}`, "size"},
		"port out of range":    {`{"ports": {"client": 70000}}`, "ports.client"},
		"two listeners":        {`{"ports": {"metrics": 4222}}`, "already ports.client"},
		"unknown key":          {`{"sise": 3}`, "spec.chartValues.sise: the nats-cluster chart has no such value"},
		"generated":            {`{"generated": {"natsConf": "authorization {}"}}`, "generated"},
		"auth":                 {`{"auth": {"clients": false}}`, "spec.chartValues.auth"},
		"image with newline":   {`{"image": {"repository": "nats\nworkingDir: /x"}}`, "image.repository"},
		"storage class":        {`{"jetstream": {"file": {"storageClassName": "fast\n---\nkind: Secret"}}}`, "storageClassName"},
		"many routes":          {`{"routes": {"extra": [` + strings.Repeat(`"nats://a:1",`, 64) + `"nats://a:1"]}}`, "routes.extra"},
		"route with variable":  {`{"routes": {"extra": ["nats://$(ROUTE_USER):$(ROUTE_PASSWORD)@evil:6222"]}}`, "'$'"},
		"route not a URL":      {`{"routes": {"extra": ["x } authorization {"]}}`, "not a NATS URL"},
		"lame duck forever":    {`{"server": {"lameDuckDurationSeconds": 1e12}}`, "lameDuckDurationSeconds"},
		"clients file escapes": {`{"config": {}, "tls": {"client": {"secret": "s", "cert": "../../etc/passwd"}}}`, "tls.client.cert"},
		"deep merge":           {`{"config": {"merge": ` + strings.Repeat(`{"a": `, 12) + `1` + strings.Repeat(`}`, 12) + `}}`, "deeper"},
		"wide merge":           {`{"config": {"merge": {"a": [` + strings.Repeat(`1,`, 600) + `1]}}}`, "more than 512"},
		"huge merge string":    {`{"config": {"merge": {"a": "` + strings.Repeat("x", 5000) + `"}}}`, "longer than"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Translator{Defaults: chartDefaults(t)}.Values(cluster(tt.chartValues))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestOwnedConfigNeedsTheOperatorsOptIn: with the explicit opt-in, what
// the operator owns can be overridden; without it, it cannot.
func TestOwnedConfigNeedsTheOperatorsOptIn(t *testing.T) {
	nc := cluster(`{"config": {"merge": {"authorization": {"token": "s3cret"}}}}`)
	if _, err := (Translator{Defaults: chartDefaults(t)}).Values(nc); err == nil || !strings.Contains(err.Error(), "config.merge.authorization") {
		t.Fatalf("err = %v, want config.merge.authorization refused", err)
	}
	v, err := Translator{Defaults: chartDefaults(t), AllowOwnedConfig: true}.Values(nc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := conf.Parse(v.Generated.NatsConf)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := m["authorization"].(map[string]any); a["token"] != "s3cret" {
		t.Errorf("authorization = %v, want the opted-in token", m["authorization"])
	}
}

// TestCapabilitiesByVersion: what the templates used to parse with a regex.
func TestCapabilitiesByVersion(t *testing.T) {
	for _, tt := range []struct {
		tag, version string
		want         Capabilities
	}{
		{"2.15.2", "", Capabilities{Binary: "/nats-server", ClusterName: true, Healthz: true, LameDuck: true}},
		{"v2.2.0", "", Capabilities{Binary: "/nats-server", ClusterName: true, Healthz: true, LameDuck: true}},
		{"2.1.8", "", Capabilities{Binary: "/nats-server", LameDuck: true}},
		{"1.4.1", "", Capabilities{Binary: "/gnatsd", LameDuck: true}},
		{"1.1.0", "", Capabilities{Binary: "/gnatsd"}},
		{"2.10.29-alpine", "", Capabilities{Binary: "nats-server", ClusterName: true, Healthz: true, LameDuck: true}},
		{"nightly-20260101", "", Capabilities{Binary: "/bin/nats-server", ClusterName: true, Healthz: true, LameDuck: true}},
		{"custom", "", Capabilities{Binary: "/nats-server", ClusterName: true, Healthz: true, LameDuck: true}},
		{"sha256-mirror", "2.1.0", Capabilities{Binary: "/nats-server", LameDuck: true}},
	} {
		if got := CapabilitiesOf(tt.tag, tt.version); got != tt.want {
			t.Errorf("CapabilitiesOf(%q, %q) = %+v, want %+v", tt.tag, tt.version, got, tt.want)
		}
	}
}

// FuzzChartValues: whatever spec.chartValues holds, the translation either
// refuses it or yields a nats.conf the server parses whose authorization is
// only the operator's include.
func FuzzChartValues(f *testing.F) {
	f.Add(`{"size": 5}`)
	f.Add(`{"config": {"merge": {"max_payload": "<< 8MB >>"}}}`)
	f.Add(`{"gateway": {"enabled": true, "name": "x } authorization {", "port": 7222}}`)
	f.Add(`{"routes": {"extra": ["nats://a:1"]}, "websocket": {"enabled": true, "port": 443, "handshakeTimeout": "2s"}}`)
	defaults := chartDefaults(f)
	f.Fuzz(func(t *testing.T, chartValues string) {
		nc := cluster(chartValues)
		nc.Spec.Auth = &natsv1alpha2.AuthConfig{ClientsAuthSecret: "users"}
		v, err := Translator{Defaults: defaults}.Values(nc)
		if err != nil {
			return
		}
		text := strings.ReplaceAll(v.Generated.NatsConf, `include "auth/clients.conf"`, `token: "operator-include"`)
		m, err := conf.Parse("SERVER_NAME: x\nPOD_NAME: x\nPOD_NAMESPACE: x\n" + text)
		if err != nil {
			t.Fatalf("accepted values %s give a nats.conf the parser refuses: %v\n%s", chartValues, err, v.Generated.NatsConf)
		}
		a, _ := m["authorization"].(map[string]any)
		if len(a) != 1 || a["token"] != "operator-include" {
			t.Fatalf("authorization = %v from %s", m["authorization"], chartValues)
		}
	})
}

// TestBadChartValueNamesItsPath: encoding/json names only the last key of
// an unknown value; the refusal names the whole spec.chartValues path, so
// the user finds the typo.
func TestBadChartValueNamesItsPath(t *testing.T) {
	for chartValues, want := range map[string]string{
		`{"replicas": 5}`:                            "spec.chartValues.replicas: the nats-cluster chart has no such value",
		`{"server": {"maxPayloads": 5}}`:             "spec.chartValues.server.maxPayloads: the nats-cluster chart has no such value",
		`{"leafnodes": {"remotes": [{"url": "x"}]}}`: "spec.chartValues.leafnodes.remotes[0].url: the nats-cluster chart has no such value",
		`{"size": "five"}`:                           "spec.chartValues.size: expected int32, got string",
	} {
		_, err := Translator{Defaults: chartDefaults(t)}.Values(cluster(chartValues))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", chartValues, err, want)
		}
	}
}

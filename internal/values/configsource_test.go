package values

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/natsconf"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// TestConfigFieldsCoverEveryKey: every key nats.conf can hold without
// config.merge has an entry in configFields, so a refusal by nats-server
// can always be traced to a field (or to the operator's own layout).
func TestConfigFieldsCoverEveryKey(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repofs.Root(), "internal", "render", "testdata", "everything.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var nc natsv1alpha2.NatsCluster
	if err := yaml.Unmarshal(raw, &nc); err != nil {
		t.Fatal(err)
	}
	// What everything.yaml leaves at its zero value, and the clients-file
	// form of authorization.
	deadline, lameDuck := "10s", int64(30)
	nc.Spec.NatsConfig = &natsv1alpha2.ServerConfig{Debug: true, Trace: true, WriteDeadline: deadline, MaxConnections: 1,
		MaxPayload: 1, MaxPending: 1, MaxSubscriptions: 1, MaxControlLine: 1}
	nc.Spec.LameDuckDurationSeconds = &lameDuck
	nc.Spec.TLS.CurvePreferences = []string{"X25519"}
	nc.Spec.TLS.ServerSecretCAFileName, nc.Spec.TLS.GatewaysTLSTimeout, nc.Spec.TLS.LeafnodesTLSTimeout, nc.Spec.TLS.WebsocketTLSTimeout = "ca.crt", 1, 1, 1
	nc.Spec.ExtraRoutes = []*natsv1alpha2.ExtraRoute{{Route: "nats://other:6222"}}
	nc.Spec.JetStream.Domain = "hub"

	seen := map[string]bool{}
	for _, variant := range []func(*natsv1alpha2.NatsCluster){
		func(*natsv1alpha2.NatsCluster) {},
		func(nc *natsv1alpha2.NatsCluster) { // routes in nats.conf, not in the auth Secret
			nc.Spec.Auth.ClusterAuthSecret = ""
		},
		func(nc *natsv1alpha2.NatsCluster) {
			nc.Spec.Auth.ClientsAuthSecret, nc.Spec.Auth.EnableServiceAccounts = "", false
			nc.Spec.Auth.ClientsAuthFile = "users/clients.json"
		},
		func(nc *natsv1alpha2.NatsCluster) { nc.Spec.TLS.EnableHTTPS, nc.Spec.TLS.WebsocketSecret = false, "" },
	} {
		nc := nc.DeepCopy()
		variant(nc)
		v, err := Translator{Defaults: chartDefaults(t)}.Values(nc)
		if err != nil {
			t.Fatal(err)
		}
		conf, _ := configMap(v, release{name: nc.Name, namespace: nc.Namespace}, CapabilitiesOf(v.Image.Tag, v.ServerVersion), routeList(v, release{name: nc.Name}))
		walkKeys(conf, "", seen)
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
		if _, ok := configFields[k]; !ok {
			t.Errorf("nats.conf key %q has no entry in configFields", k)
		}
	}
	sort.Strings(keys)
	for k := range configFields {
		if !seen[k] {
			t.Errorf("configFields names %q, which nats.conf never holds", k)
		}
	}
	t.Logf("%d keys: %v", len(keys), keys)
}

func walkKeys(m *natsconf.Map, prefix string, seen map[string]bool) {
	for _, k := range m.Keys() {
		path := prefix + k
		seen[path] = true
		v, _ := m.Get(k)
		switch v := v.(type) {
		case *natsconf.Map:
			walkKeys(v, path+".", seen)
		case natsconf.List:
			for _, item := range v {
				if sub, ok := item.(*natsconf.Map); ok {
					walkKeys(sub, path+".", seen)
				}
			}
		}
	}
}

// TestConfigSourcePrefersTheMerge: a key config.merge sets is traced to
// the merge, spelled as the user spelled it; other keys to the typed field.
func TestConfigSourcePrefersTheMerge(t *testing.T) {
	nc := &natsv1alpha2.NatsCluster{}
	nc.Spec.ChartValues = &apiextensionsv1.JSON{Raw: []byte(`{"config":{"merge":{"JetStream":{"Max_File_Store":"lots"},"write_deadline":"soon"}}}`)}
	tests := map[string]string{
		"jetstream.max_file_store":   "spec.chartValues.config.merge.JetStream.Max_File_Store",
		"write_deadline":             "spec.chartValues.config.merge.write_deadline",
		"jetstream.max_memory_store": "spec.jetstream.memory.maxSize",
		"jetstream.store_dir":        "",
		"no_such_key":                "",
	}
	for key, want := range tests {
		if got := ConfigSource(nc, key); got != want {
			t.Errorf("ConfigSource(%q) = %q, want %q", key, got, want)
		}
	}
}

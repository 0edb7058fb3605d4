package render_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// FuzzRender: whatever NatsCluster a user writes, render (the CRD's checks,
// the translation, the chart, the nats.conf check) refuses it or yields only
// the chart's objects, in the CR's namespace, with a nats.conf that defines
// no users of its own.
func FuzzRender(f *testing.F) {
	for _, file := range []string{filepath.Join("testdata", "everything.yaml"), filepath.Join("testdata", "clientsfile.yaml")} {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(raw))
	}
	f.Add("apiVersion: nats.io/v1alpha2\nkind: NatsCluster\nmetadata: {name: a, namespace: b}\nspec: {gatewayConfig: {name: \"x } authorization { token: t } y {\", hostPort: 7222}}")
	f.Add("apiVersion: nats.io/v1alpha2\nkind: NatsCluster\nmetadata: {name: a, namespace: b}\nspec: {chartValues: {config: {merge: {max_payload: \"<< 8MB >>\"}}}}")
	// The official chart's object overrides (internal/overlay).
	f.Add("apiVersion: nats.io/v1alpha2\nkind: NatsCluster\nmetadata: {name: a, namespace: b}\nspec: {pod: {enableMetrics: true}, chartValues: {promExporter: {podMonitor: {enabled: true}}, global: {labels: {t: x}}, service: {merge: {spec: {type: LoadBalancer}}}, statefulSet: {patch: [{op: add, path: /metadata/namespace, value: evil}]}}}")
	r, err := render.New(repofs.FS())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var head struct {
			Metadata struct{ Name, Namespace string }
		}
		if yaml.Unmarshal([]byte(in), &head) != nil {
			return
		}
		out, err := r.RenderDocuments(context.Background(), []byte(in))
		if err != nil {
			return
		}
		name, ns := head.Metadata.Name, head.Metadata.Namespace
		if ns == "" {
			ns = "default"
		}
		allowed := map[string]bool{
			"StatefulSet/" + name: true, "Service/" + name: true, "Service/" + name + "-mgmt": true,
			"ConfigMap/" + name + "-config": true, "PodDisruptionBudget/" + name: true, "ServiceMonitor/" + name: true,
			"PodMonitor/" + name: true,
		}
		for _, doc := range releaseutil.SplitManifests(out) {
			var obj struct {
				Kind     string
				Metadata struct{ Name, Namespace string }
			}
			if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
				t.Fatalf("rendered YAML does not parse: %v", err)
			}
			if obj.Kind == "" {
				continue
			}
			if key := obj.Kind + "/" + obj.Metadata.Name; !allowed[key] || obj.Metadata.Namespace != ns {
				t.Fatalf("rendered %s in %q from\n%s", key, obj.Metadata.Namespace, in)
			}
		}
		conf := natsConfOf(t, out)
		for _, owned := range []string{"users", "token", "no_auth_user", "accounts", "nkeys"} {
			if strings.Contains(conf, "\n"+owned+":") || strings.Contains(conf, "  "+owned+":") {
				t.Fatalf("nats.conf defines %s:\n%s", owned, conf)
			}
		}
	})
}

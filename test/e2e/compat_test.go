//go:build e2e

package e2e

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestNATS1x: the seed example of a 1.x server (gnatsd, no /healthz, no
// cluster name), applied as it is in config/samples, forms a mesh and
// carries messages.
func TestNATS1x(t *testing.T) {
	t.Parallel()
	sample := readSample(t, "nats_v1alpha2_natscluster_v1_4_1.yaml")
	spec, _ := sample.Object["spec"].(obj)
	if v := spec["version"]; v != env.natsV1 {
		t.Fatalf("the sample runs %v but hack/e2e built nats:%s (gnatsd in hack/e2e/go.mod)", v, env.natsV1)
	}
	c := createCluster(t, sample.GetName(), spec)
	pods := c.waitReady(3, env.natsV1)
	waitMesh(t, pods)
	for _, p := range pods {
		if v := varzOf(t, p); v.Version != env.natsV1 {
			t.Errorf("%s runs %q, want %q", p.Name, v.Version, env.natsV1)
		}
	}
	requireDelivery(t, mustConnectPod(t, pods[2]), mustConnectPod(t, pods[0]), "e2e.v1")
}

// readSample reads a NatsCluster of config/samples.
func readSample(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "config", "samples", file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(data, &u.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return u
}

// TestAdvertiseExternalIP: the operator's bootconfig init container asks the
// API server for the node's address (this node has no ExternalIP, so its
// InternalIP) and the servers advertise it to clients.
func TestAdvertiseExternalIP(t *testing.T) {
	t.Parallel()
	const name = "e2e-advertise"
	createObject(t, &corev1.ServiceAccount{ObjectMeta: meta(name)})
	createObject(t, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"get"}}},
	})
	createObject(t, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: name, Namespace: env.namespace}},
	})
	c := createCluster(t, name, obj{
		"size": 2, "version": env.natsVersion,
		"pod":      obj{"advertiseExternalIP": true},
		"template": obj{"spec": obj{"serviceAccountName": name}},
	})
	pods := c.waitReady(2, env.natsVersion)
	want := net.JoinHostPort(env.nodeIP, clientPort)
	for _, p := range pods {
		p := p
		eventually(t, convergeWithin, p.Name+" advertises "+want, func() error {
			var v varz
			if err := monitor(p, "/varz", &v); err != nil {
				return err
			}
			if !slices.Contains(v.ConnectURLs, want) {
				return fmt.Errorf("connect_urls %v", v.ConnectURLs)
			}
			return nil
		})
		if info := serverInfo(t, p); !strings.Contains(fmt.Sprint(info["connect_urls"]), want) {
			t.Errorf("%s: INFO connect_urls %v, want %s", p.Name, info["connect_urls"], want)
		}
	}
}

// TestMetricsExporter: the exporter sidecar serves the server's metrics.
func TestMetricsExporter(t *testing.T) {
	t.Parallel()
	c := createCluster(t, "e2e-metrics", obj{
		"size": 2, "version": env.natsVersion,
		"pod": obj{"enableMetrics": true},
	})
	pods := c.waitReady(2, env.natsVersion)
	waitMesh(t, pods)
	for _, p := range pods {
		p := p
		eventually(t, convergeWithin, "metrics of "+p.Name, func() error {
			resp, err := httpClient.Get("http://" + net.JoinHostPort(p.Status.PodIP, "7777") + "/metrics")
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			for _, metric := range []string{"nats_varz_connections", "nats_routez_num_routes"} {
				if !strings.Contains(string(body), metric) {
					return fmt.Errorf("no %s in %d bytes of metrics", metric, len(body))
				}
			}
			return nil
		})
	}
}

package render_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func jetStreamCR(size int) []byte {
	return fmt.Appendf(nil, `
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: js, namespace: apps}
spec:
  size: %d
  jetstream:
    memory: {maxSize: 64Mi}
    file: {size: 2Gi, storageClassName: fast}
`, size)
}

func TestJetStreamRendersVolumesAndProbes(t *testing.T) {
	r := renderBytes(t, jetStreamCR(3))
	sts, nats := r.natsContainer(t, "js")
	if len(sts.Spec.VolumeClaimTemplates) != 1 {
		t.Fatalf("volumeClaimTemplates = %d, want 1", len(sts.Spec.VolumeClaimTemplates))
	}
	pvc := sts.Spec.VolumeClaimTemplates[0]
	if pvc.Name != "js-js" || *pvc.Spec.StorageClassName != "fast" || pvc.Spec.Resources.Requests.Storage().String() != "2Gi" {
		t.Errorf("PVC template = %s class %v size %s", pvc.Name, pvc.Spec.StorageClassName, pvc.Spec.Resources.Requests.Storage())
	}
	// A deleted NatsCluster takes its data along; a scale-down keeps it.
	if p := sts.Spec.PersistentVolumeClaimRetentionPolicy; p == nil || p.WhenDeleted != appsv1.DeletePersistentVolumeClaimRetentionPolicyType || p.WhenScaled != appsv1.RetainPersistentVolumeClaimRetentionPolicyType {
		t.Errorf("persistentVolumeClaimRetentionPolicy = %+v, want whenDeleted Delete, whenScaled Retain", p)
	}
	var mounted bool
	for _, m := range nats.VolumeMounts {
		mounted = mounted || (m.Name == "js-js" && m.MountPath == "/data")
	}
	if !mounted {
		t.Errorf("the PVC is not mounted at /data: %+v", nats.VolumeMounts)
	}
	if nats.ReadinessProbe.HTTPGet.Path != "/healthz?js-server-only=true" || nats.StartupProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("probes are not JetStream-aware: readiness %s startup %s", nats.ReadinessProbe.HTTPGet.Path, nats.StartupProbe.HTTPGet.Path)
	}
	conf := r.natsConf(t, "js")
	for _, want := range []string{`server_name: $SERVER_NAME`, `max_file_store: 1932735283`, `max_memory_store: 67108864`, `store_dir: "/data/jetstream"`} {
		if !strings.Contains(conf, want) {
			t.Errorf("nats.conf lacks %s:\n%s", want, conf)
		}
	}
	env := map[string]corev1.EnvVar{}
	for _, e := range nats.Env {
		env[e.Name] = e
	}
	if env["SERVER_NAME"].Value != "$(POD_NAME)" {
		t.Errorf("SERVER_NAME = %+v, want the pod name", env["SERVER_NAME"])
	}
}

// TestJetStreamClusterStartsFromRenderedConfig starts three real servers
// from a rendered JetStream config and stores a replicated stream.
func TestJetStreamClusterStartsFromRenderedConfig(t *testing.T) {
	const size = 3
	conf := renderBytes(t, jetStreamCR(size)).natsConf(t, "js")
	ports := freePorts(t, size)
	var urls []string
	for i := range size {
		t.Setenv("SERVER_NAME", "js-"+strconv.Itoa(i))
		opts := loadRendered(t, conf)
		opts.StoreDir = t.TempDir()
		opts.Cluster.Port = ports[i]
		for _, u := range opts.Routes {
			u.Host = "127.0.0.1:" + strconv.Itoa(ports[ordinal(t, u, "js", "apps")])
		}
		if opts.JetStreamMaxStore != 1932735283 || opts.JetStreamMaxMemory != 64<<20 {
			t.Fatalf("limits max_file_store=%d max_memory_store=%d", opts.JetStreamMaxStore, opts.JetStreamMaxMemory)
		}
		s := startServer(t, opts)
		if !s.JetStreamEnabled() {
			t.Fatalf("JetStream is off on server %d", i)
		}
		urls = append(urls, s.ClientURL())
	}
	nc, err := nats.Connect(strings.Join(urls, ","))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := nc.JetStream(nats.MaxWait(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	// The meta leader is elected once the routes are up; retry until then.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = js.AddStream(&nats.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}, Replicas: 3})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("creating an R3 stream: %v", err)
	}
	if _, err := js.Publish("orders.1", []byte("x")); err != nil {
		t.Fatalf("publishing to the stream: %v", err)
	}
}

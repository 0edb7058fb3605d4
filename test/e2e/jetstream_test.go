//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// hostPathVolumes creates n PersistentVolumes of storage class class on
// directories of the node, and removes them (and the PVCs of class) when the
// test ends. The node has no provisioner: volumes are made by hand, as an
// administrator would.
func hostPathVolumes(t *testing.T, prefix, class string, n int) []string {
	t.Helper()
	var dirs []string
	for i := 0; i < n; i++ {
		dir := filepath.Join(env.volumeDir, fmt.Sprintf("%s-%d", prefix, i))
		if err := os.MkdirAll(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		// The servers run as an unprivileged user and hostPath ignores fsGroup.
		if err := os.Chmod(dir, 0o777); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
		pv := &corev1.PersistentVolume{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i)},
			Spec: corev1.PersistentVolumeSpec{
				Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
				AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
				StorageClassName:              class,
				PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir}},
			},
		}
		createObject(t, pv)
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
	}
	t.Cleanup(func() {
		var pvcs corev1.PersistentVolumeClaimList
		_ = kc.List(context.Background(), &pvcs, client.InNamespace(env.namespace))
		for _, pvc := range pvcs.Items {
			if pvc.Spec.StorageClassName != nil && *pvc.Spec.StorageClassName == class {
				_ = kc.Delete(context.Background(), &pvc)
			}
		}
	})
	return dirs
}

// TestJetStream: an R3 stream on PersistentVolumeClaims keeps its messages
// across a rolling version change. Deleting the NatsCluster removes
// everything it rendered; what happens to the claims is documented on
// spec.jetstream.file.whenDeleted: with Retain they stay and a new
// NatsCluster of the same name finds the stream again; with Delete, the
// default, they go with the cluster.
func TestJetStream(t *testing.T) {
	t.Parallel()
	const name, class = "e2e-js", "e2e-js"
	dirs := hostPathVolumes(t, name, class, 3)
	spec := obj{
		"size": 3, "version": env.natsOld,
		"jetstream": obj{"file": obj{"size": "1Gi", "storageClassName": class, "whenDeleted": "Retain"}},
	}
	c := createCluster(t, name, spec)
	pods := c.waitReady(3, env.natsOld)
	waitMesh(t, pods)

	const msgs = 100
	js := jetStreamOn(t, pods[0])
	ctx := context.Background()
	eventually(t, convergeWithin, "create an R3 stream", func() error {
		_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: "E2E", Subjects: []string{"e2e.js.>"}, Replicas: 3, Storage: jetstream.FileStorage,
		})
		return err
	})
	for i := 0; i < msgs; i++ {
		if _, err := js.Publish(ctx, fmt.Sprintf("e2e.js.%d", i), []byte(fmt.Sprint(i))); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "jetstream")); err != nil {
			t.Errorf("no JetStream data on the volume %s: %v", dir, err)
		}
	}

	c.update(func(s obj) { s["version"] = env.natsVersion })
	pods = c.waitReady(3, env.natsVersion)
	requireStream(t, pods[1], msgs)

	c.delete()
	requireGone(t, name)
	// Kept claims have no owner: the garbage collector will not remove them later.
	kept := c.claims()
	if len(kept) != 3 {
		t.Fatalf("whenDeleted Retain: %d PersistentVolumeClaims left after the delete, want 3", len(kept))
	}
	for _, pvc := range kept {
		if pvc.DeletionTimestamp != nil || len(pvc.OwnerReferences) > 0 {
			t.Errorf("whenDeleted Retain: claim %s is being deleted or owned (owners %v)", pvc.Name, pvc.OwnerReferences)
		}
	}

	// The same name again, with the default whenDeleted: the servers bind
	// the retained claims and find the stream.
	spec = obj{
		"size": 3, "version": env.natsVersion,
		"jetstream": obj{"file": obj{"size": "1Gi", "storageClassName": class}},
	}
	c = createCluster(t, name, spec)
	pods = c.waitReady(3, env.natsVersion)
	requireStream(t, pods[2], msgs)

	c.delete()
	requireGone(t, name)
	eventually(t, deleteTimeout, "the claims deleted with the cluster (whenDeleted Delete, the default)", func() error {
		if left := c.claims(); len(left) > 0 {
			return fmt.Errorf("%d PersistentVolumeClaims left", len(left))
		}
		return nil
	})
}

// claims lists the PersistentVolumeClaims of the cluster's servers.
func (c *natsCluster) claims() []corev1.PersistentVolumeClaim {
	c.t.Helper()
	var pvcs corev1.PersistentVolumeClaimList
	if err := kc.List(context.Background(), &pvcs, client.InNamespace(c.ns), c.selector()); err != nil {
		c.t.Fatalf("list claims of %s: %v", c.name, err)
	}
	return pvcs.Items
}

func jetStreamOn(t *testing.T, p corev1.Pod) jetstream.JetStream {
	t.Helper()
	js, err := jetstream.New(mustConnectPod(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// requireStream waits for the stream to have a leader, msgs messages and
// three current replicas.
func requireStream(t *testing.T, p corev1.Pod, msgs uint64) {
	t.Helper()
	js := jetStreamOn(t, p)
	eventually(t, convergeWithin, fmt.Sprintf("stream E2E with %d messages on 3 current replicas", msgs), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, "E2E")
		if err != nil {
			return err
		}
		info := s.CachedInfo()
		if info.State.Msgs != msgs {
			return fmt.Errorf("%d messages", info.State.Msgs)
		}
		if info.Cluster == nil || info.Cluster.Leader == "" {
			return errors.New("no leader")
		}
		current := 0
		for _, r := range info.Cluster.Replicas {
			if r.Current {
				current++
			}
		}
		if current != 2 {
			return fmt.Errorf("%d of 2 followers current", current)
		}
		last, err := s.GetMsg(ctx, msgs)
		if err != nil {
			return err
		}
		if string(last.Data) != fmt.Sprint(msgs-1) {
			return fmt.Errorf("last message %q", last.Data)
		}
		return nil
	})
}

// requireGone checks that everything the chart rendered for the cluster is
// deleted with it.
func requireGone(t *testing.T, name string) {
	t.Helper()
	objs := []client.Object{
		&appsv1.StatefulSet{ObjectMeta: meta(name)},
		&corev1.Service{ObjectMeta: meta(name)},
		&corev1.Service{ObjectMeta: meta(name + "-mgmt")},
		&corev1.ConfigMap{ObjectMeta: meta(name + "-config")},
		&policyv1.PodDisruptionBudget{ObjectMeta: meta(name)},
		&corev1.Secret{ObjectMeta: meta(name + "-auth")},
	}
	eventually(t, deleteTimeout, name+"'s objects deleted", func() error {
		for _, o := range objs {
			err := kc.Get(context.Background(), client.ObjectKeyFromObject(o), o)
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T %s still there (%v)", o, o.GetName(), err)
			}
		}
		return nil
	})
}

//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/test/e2e/e2eutil"
)

var natsClusterGVK = schema.GroupVersionKind{Group: "nats.io", Version: "v1alpha2", Kind: "NatsCluster"}

// Upper bounds of waits. They only end a broken run early: a passing test
// never depends on them (no sleeps that a slower machine would break).
const (
	readyTimeout   = 6 * time.Minute
	deleteTimeout  = 3 * time.Minute
	convergeWithin = 3 * time.Minute
)

// obj is a JSON-shaped object, the way a user writes a manifest.
type obj = map[string]any

// natsCluster is a NatsCluster under test, named after the test.
type natsCluster struct {
	t    *testing.T
	name string
	ns   string
}

// createCluster creates a NatsCluster in the test namespace and deletes it
// (and waits until its pods are gone) when the test ends; on failure it logs
// what the cluster, its pods and the namespace's events looked like.
func createCluster(t *testing.T, name string, spec obj) *natsCluster {
	t.Helper()
	return createClusterIn(t, env.namespace, name, spec)
}

func createClusterIn(t *testing.T, ns, name string, spec obj) *natsCluster {
	t.Helper()
	c := &natsCluster{t: t, name: name, ns: ns}
	u := &unstructured.Unstructured{Object: obj{"spec": spec}}
	u.SetGroupVersionKind(natsClusterGVK)
	u.SetName(name)
	u.SetNamespace(ns)
	if err := kc.Create(context.Background(), u); err != nil {
		t.Fatalf("create NatsCluster %s: %v", name, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			c.dump()
		}
		c.delete()
	})
	return c
}

func (c *natsCluster) key() client.ObjectKey { return client.ObjectKey{Namespace: c.ns, Name: c.name} }

func (c *natsCluster) get() (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(natsClusterGVK)
	return u, kc.Get(context.Background(), c.key(), u)
}

// update changes the spec the way `kubectl edit` would, retrying on conflicts.
func (c *natsCluster) update(mutate func(spec obj)) {
	c.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u, err := c.get()
		if err != nil {
			return err
		}
		spec, _ := u.Object["spec"].(obj)
		if spec == nil {
			spec = obj{}
		}
		mutate(spec)
		u.Object["spec"] = spec
		return kc.Update(context.Background(), u)
	})
	if err != nil {
		c.t.Fatalf("update NatsCluster %s: %v", c.name, err)
	}
}

// updateRolling makes a change that rolls the servers and waits until the
// StatefulSet carries it. Needed where the change is neither of version nor
// of size, which waitReady checks: right after an edit the NatsCluster's
// Ready condition (it has no observedGeneration) and the StatefulSet still
// describe the previous spec.
func (c *natsCluster) updateRolling(mutate func(spec obj)) {
	c.t.Helper()
	before := c.statefulSetGeneration()
	c.update(mutate)
	eventually(c.t, convergeWithin, c.name+": the StatefulSet takes the change", func() error {
		if g := c.statefulSetGeneration(); g <= before {
			return fmt.Errorf("StatefulSet generation still %d", g)
		}
		return nil
	})
}

func (c *natsCluster) statefulSetGeneration() int64 {
	c.t.Helper()
	var sts appsv1.StatefulSet
	if err := kc.Get(context.Background(), c.key(), &sts); err != nil {
		c.t.Fatalf("StatefulSet %s: %v", c.name, err)
	}
	return sts.Generation
}

func (c *natsCluster) selector() client.MatchingLabels {
	return client.MatchingLabels{"app": "nats", "nats_cluster": c.name}
}

// pods returns the cluster's pods by ordinal.
func (c *natsCluster) pods() []corev1.Pod {
	c.t.Helper()
	var list corev1.PodList
	if err := kc.List(context.Background(), &list, client.InNamespace(c.ns), c.selector()); err != nil {
		c.t.Fatalf("list pods of %s: %v", c.name, err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return ordinal(list.Items[i].Name) < ordinal(list.Items[j].Name) })
	return list.Items
}

func ordinal(pod string) int {
	var n int
	_, _ = fmt.Sscanf(pod[strings.LastIndex(pod, "-")+1:], "%d", &n)
	return n
}

// waitReady waits until the cluster runs size servers of version, all
// updated to the StatefulSet's latest revision, Running and Ready, and the
// NatsCluster says Ready. It returns the pods.
func (c *natsCluster) waitReady(size int, version string) []corev1.Pod {
	c.t.Helper()
	var pods []corev1.Pod
	eventually(c.t, readyTimeout, fmt.Sprintf("%s: %d ready servers of %s", c.name, size, version), func() error {
		var list corev1.PodList
		if err := kc.List(context.Background(), &list, client.InNamespace(c.ns), c.selector()); err != nil {
			return err
		}
		for _, p := range list.Items {
			if err := crashLooping(p); err != nil {
				return err
			}
		}
		var sts appsv1.StatefulSet
		if err := kc.Get(context.Background(), c.key(), &sts); err != nil {
			return fmt.Errorf("statefulset: %w", err)
		}
		if err := e2eutil.RolledOut(&sts, size); err != nil {
			return err
		}
		if len(list.Items) != size {
			return fmt.Errorf("%d pods", len(list.Items))
		}
		for _, p := range list.Items {
			if err := podReady(p, sts.Status.UpdateRevision, version); err != nil {
				return fmt.Errorf("pod %s: %w", p.Name, err)
			}
		}
		if err := c.condition("Ready", "True"); err != nil {
			return err
		}
		pods = c.pods()
		return nil
	})
	return pods
}

// maxRestarts: a container restarted this often will not become ready by
// waiting; the wait ends at once instead of at its timeout.
const maxRestarts = 3

func crashLooping(p corev1.Pod) error {
	for _, st := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
		if st.RestartCount >= maxRestarts {
			return e2eutil.Permanent{Err: fmt.Errorf("pod %s: container %s restarted %d times", p.Name, st.Name, st.RestartCount)}
		}
	}
	return nil
}

func podReady(p corev1.Pod, revision, version string) error {
	if p.DeletionTimestamp != nil {
		return errors.New("terminating")
	}
	if p.Labels["controller-revision-hash"] != revision {
		return fmt.Errorf("revision %s, want %s", p.Labels["controller-revision-hash"], revision)
	}
	if p.Status.PodIP == "" {
		return errors.New("no IP yet")
	}
	if img := natsContainer(p).Image; !strings.HasSuffix(img, ":"+version) {
		return fmt.Errorf("image %s, want version %s", img, version)
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
			return nil
		}
	}
	return fmt.Errorf("not ready (%s)", p.Status.Phase)
}

func natsContainer(p corev1.Pod) corev1.Container {
	for _, ct := range p.Spec.Containers {
		if ct.Name == "nats" {
			return ct
		}
	}
	return corev1.Container{}
}

// condition checks a status condition of the NatsCluster.
func (c *natsCluster) condition(typ, status string) error {
	u, err := c.get()
	if err != nil {
		return err
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, raw := range conds {
		cond, _ := raw.(obj)
		if cond["type"] == typ {
			if cond["status"] == status {
				return nil
			}
			return fmt.Errorf("condition %s is %v: %v %v", typ, cond["status"], cond["reason"], cond["message"])
		}
	}
	return fmt.Errorf("no %s condition", typ)
}

// delete deletes the NatsCluster and waits until it and its pods are gone.
func (c *natsCluster) delete() {
	c.t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(natsClusterGVK)
	u.SetName(c.name)
	u.SetNamespace(c.ns)
	if err := kc.Delete(context.Background(), u); err != nil && !apierrors.IsNotFound(err) {
		c.t.Errorf("delete NatsCluster %s: %v", c.name, err)
		return
	}
	eventually(c.t, deleteTimeout, c.name+" and its pods gone", func() error {
		if _, err := c.get(); !apierrors.IsNotFound(err) {
			return fmt.Errorf("NatsCluster still there (%v)", err)
		}
		var list corev1.PodList
		if err := kc.List(context.Background(), &list, client.InNamespace(c.ns), c.selector()); err != nil {
			return err
		}
		if len(list.Items) > 0 {
			return fmt.Errorf("%d pods left", len(list.Items))
		}
		return nil
	})
}

// dump logs the state a person needs to understand a failure: conditions,
// pods, the logs of containers that are not ready, and Warning events.
func (c *natsCluster) dump() {
	t := c.t
	ctx := context.Background()
	if u, err := c.get(); err == nil {
		conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
		for _, raw := range conds {
			cond, _ := raw.(obj)
			t.Logf("dump %s: condition %v=%v %v: %v", c.name, cond["type"], cond["status"], cond["reason"], cond["message"])
		}
	}
	var pods corev1.PodList
	_ = kc.List(ctx, &pods, client.InNamespace(c.ns), c.selector())
	for _, p := range pods.Items {
		t.Logf("dump pod %s: phase %s ip %s", p.Name, p.Status.Phase, p.Status.PodIP)
		for _, st := range append(p.Status.InitContainerStatuses, p.Status.ContainerStatuses...) {
			t.Logf("dump   container %s ready=%v restarts=%d state=%+v", st.Name, st.Ready, st.RestartCount, st.State)
			if st.Ready || (st.State.Terminated != nil && st.State.Terminated.ExitCode == 0) {
				continue
			}
			tail := int64(10)
			// A container that exited and waits for its restart has its own
			// log; the one before it may already be removed.
			previous := st.RestartCount > 0 && st.State.Terminated == nil
			opts := &corev1.PodLogOptions{Container: st.Name, TailLines: &tail, Previous: previous}
			if logs, err := cs.CoreV1().Pods(c.ns).GetLogs(p.Name, opts).DoRaw(ctx); err == nil {
				t.Logf("dump   log of %s/%s:\n%s", p.Name, st.Name, logs)
			}
		}
	}
	var events corev1.EventList
	_ = kc.List(ctx, &events, client.InNamespace(c.ns))
	sort.Slice(events.Items, func(i, j int) bool {
		return events.Items[i].LastTimestamp.Before(&events.Items[j].LastTimestamp)
	})
	shown := 0
	for i := len(events.Items) - 1; i >= 0 && shown < 15; i-- {
		e := events.Items[i]
		if e.Type == corev1.EventTypeWarning && strings.HasPrefix(e.InvolvedObject.Name, c.name) {
			t.Logf("dump event %s/%s %s (x%d): %s", e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Count, e.Message)
			shown++
		}
	}
}

// eventually retries f until it returns nil (e2eutil.Eventually).
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	e2eutil.Eventually(t, timeout, what, f)
}

// identity is what must survive a change that should not restart a server.
type identity struct {
	uid      string
	restarts int32
	serverID string
}

func identities(t *testing.T, pods []corev1.Pod) map[string]identity {
	t.Helper()
	out := map[string]identity{}
	for _, p := range pods {
		var restarts int32
		for _, st := range p.Status.ContainerStatuses {
			restarts += st.RestartCount
		}
		out[p.Name] = identity{uid: string(p.UID), restarts: restarts, serverID: varzOf(t, p).ServerID}
	}
	return out
}

// requireSurvived fails unless every pod of before is still the same pod,
// never restarted, running the same server (same server ID).
func requireSurvived(t *testing.T, before map[string]identity, now []corev1.Pod) {
	t.Helper()
	after := identities(t, now)
	for name, b := range before {
		a, ok := after[name]
		switch {
		case !ok:
			t.Errorf("pod %s is gone", name)
		case a.uid != b.uid:
			t.Errorf("pod %s was recreated (uid %s -> %s)", name, b.uid, a.uid)
		case a.restarts != b.restarts:
			t.Errorf("pod %s restarted (%d -> %d restarts)", name, b.restarts, a.restarts)
		case a.serverID != b.serverID:
			t.Errorf("pod %s runs a new server (id %s -> %s)", name, b.serverID, a.serverID)
		}
	}
}

func createObject(t *testing.T, o client.Object) {
	t.Helper()
	if err := kc.Create(context.Background(), o); err != nil {
		t.Fatalf("create %T %s: %v", o, o.GetName(), err)
	}
	t.Cleanup(func() {
		if err := kc.Delete(context.Background(), o); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete %T %s: %v", o, o.GetName(), err)
		}
	})
}

func meta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: env.namespace}
}

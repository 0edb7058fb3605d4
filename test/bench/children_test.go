package bench_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// children returns the keys of the objects a cluster named name must have:
// StatefulSet <name>, Services <name> and <name>-mgmt, ConfigMap
// <name>-config and PodDisruptionBudget <name>.
func children(namespace, name string) []string {
	return []string{
		"StatefulSet/" + namespace + "/" + name,
		"Service/" + namespace + "/" + name,
		"Service/" + namespace + "/" + name + "-mgmt",
		"ConfigMap/" + namespace + "/" + name + "-config",
		"PodDisruptionBudget/" + namespace + "/" + name,
	}
}

// childTracker records when each rendered object was first seen and when
// each StatefulSet first had a given replica count, from watches, so the
// operator and Helm are timed by the same clock without polling.
type childTracker struct {
	mu       sync.Mutex
	seen     map[string]time.Time // kind/namespace/name
	replicas map[string]time.Time // namespace/name=replicas
	changed  chan struct{}        // closed and replaced on every event
}

func startChildTracker(ctx context.Context, cfg *rest.Config, namespaces ...string) (*childTracker, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	t := &childTracker{seen: map[string]time.Time{}, replicas: map[string]time.Time{}, changed: make(chan struct{})}
	for _, ns := range namespaces {
		f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
		for kind, inf := range map[string]cache.SharedIndexInformer{
			"StatefulSet":         f.Apps().V1().StatefulSets().Informer(),
			"Service":             f.Core().V1().Services().Informer(),
			"ConfigMap":           f.Core().V1().ConfigMaps().Informer(),
			"PodDisruptionBudget": f.Policy().V1().PodDisruptionBudgets().Informer(),
		} {
			if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc:    func(obj any) { t.observe(kind, obj) },
				UpdateFunc: func(_, obj any) { t.observe(kind, obj) },
			}); err != nil {
				return nil, err
			}
		}
		f.Start(ctx.Done())
		for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
			if !ok {
				return nil, fmt.Errorf("watch of %v in %s did not sync", typ, ns)
			}
		}
	}
	return t, nil
}

func (t *childTracker) observe(kind string, obj any) {
	now := time.Now()
	o, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	key := kind + "/" + o.GetNamespace() + "/" + o.GetName()
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.seen[key]; !ok {
		t.seen[key] = now
	}
	if sts, ok := obj.(*appsv1.StatefulSet); ok {
		rk := fmt.Sprintf("%s/%s=%d", sts.Namespace, sts.Name, ptr.Deref(sts.Spec.Replicas, 1))
		if _, ok := t.replicas[rk]; !ok {
			t.replicas[rk] = now
		}
	}
	close(t.changed)
	t.changed = make(chan struct{})
}

// waitChildren waits until every child of the cluster exists and returns
// when the last of them was first seen.
func (t *childTracker) waitChildren(ctx context.Context, namespace, name string) (time.Time, error) {
	return t.wait(ctx, func() (time.Time, bool) {
		var last time.Time
		for _, key := range children(namespace, name) {
			at, ok := t.seen[key]
			if !ok {
				return time.Time{}, false
			}
			if at.After(last) {
				last = at
			}
		}
		return last, true
	}, fmt.Sprintf("children of %s/%s", namespace, name))
}

// waitReplicas waits until the cluster's StatefulSet has had n replicas and
// returns when that was first seen.
func (t *childTracker) waitReplicas(ctx context.Context, namespace, name string, n int32) (time.Time, error) {
	key := fmt.Sprintf("%s/%s=%d", namespace, name, n)
	return t.wait(ctx, func() (time.Time, bool) {
		at, ok := t.replicas[key]
		return at, ok
	}, "StatefulSet "+key)
}

func (t *childTracker) wait(ctx context.Context, done func() (time.Time, bool), what string) (time.Time, error) {
	for {
		t.mu.Lock()
		at, ok := done()
		changed := t.changed
		t.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-changed:
		}
	}
}

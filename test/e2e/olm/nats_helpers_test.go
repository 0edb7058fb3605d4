//go:build e2e

package olm

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/test/e2e/e2eutil"
)

// A StatefulSet of NATS servers starting one after the other on the node.
const readyTimeout = 6 * time.Minute

var (
	natsClusterGVK = schema.GroupVersionKind{Group: "nats.io", Version: "v1alpha2", Kind: "NatsCluster"}
	httpClient     = &http.Client{Timeout: 5 * time.Second}
)

// natsCluster is a NatsCluster with the config reloader and the exporter,
// so that its pods run every operand image.
type natsCluster struct {
	t        *testing.T
	ns, name string
}

func createCluster(t *testing.T, ns, name string, size int) *natsCluster {
	t.Helper()
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"size":    int64(size),
		"version": env.natsVersion,
		"pod":     map[string]any{"enableConfigReload": true, "enableMetrics": true},
	}}}
	u.SetGroupVersionKind(natsClusterGVK)
	u.SetNamespace(ns)
	u.SetName(name)
	if err := kc.Create(context.Background(), u); err != nil {
		t.Fatalf("create NatsCluster %s/%s: %v", ns, name, err)
	}
	return &natsCluster{t: t, ns: ns, name: name}
}

func (c *natsCluster) object() *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(natsClusterGVK)
	u.SetNamespace(c.ns)
	u.SetName(c.name)
	return u
}

// resize changes spec.size the way `kubectl edit` would.
func (c *natsCluster) resize(size int) {
	c.t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := c.object()
		if err := get(u, c.ns, c.name); err != nil {
			return err
		}
		if err := unstructured.SetNestedField(u.Object, int64(size), "spec", "size"); err != nil {
			return err
		}
		return kc.Update(context.Background(), u)
	})
	if err != nil {
		c.t.Fatalf("resize %s to %d: %v", c.name, size, err)
	}
}

// deleteAndWait deletes the NatsCluster and waits until the operator has
// cleaned it up (its finalizer uninstalls the release): none of the objects
// it rendered is left.
func (c *natsCluster) deleteAndWait() {
	c.t.Helper()
	deleteAndWait(c.t, c.object())
	rendered := client.MatchingLabels{"nats_cluster": c.name}
	eventually(c.t, olmTimeout, c.name+"'s objects deleted", func() error {
		var left []string
		for kind, l := range map[string]client.ObjectList{
			"StatefulSet": &appsv1.StatefulSetList{}, "Pod": &corev1.PodList{}, "Service": &corev1.ServiceList{},
			"ConfigMap": &corev1.ConfigMapList{}, "Secret": &corev1.SecretList{}, "PodDisruptionBudget": &policyv1.PodDisruptionBudgetList{},
		} {
			if err := kc.List(context.Background(), l, client.InNamespace(c.ns), rendered); err != nil {
				return err
			}
			items, err := metaItems(l)
			if err != nil {
				return err
			}
			for _, o := range items {
				left = append(left, kind+" "+o.GetName())
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("left: %v", left)
		}
		return nil
	})
}

// ready waits until the NatsCluster is Ready with size servers of its
// version and returns their pods.
func (c *natsCluster) ready(size int) []corev1.Pod {
	c.t.Helper()
	var pods []corev1.Pod
	eventually(c.t, readyTimeout, fmt.Sprintf("%s/%s: %d ready servers", c.ns, c.name, size), func() error {
		var sts appsv1.StatefulSet
		if err := get(&sts, c.ns, c.name); err != nil {
			return fmt.Errorf("statefulset: %w", err)
		}
		if err := e2eutil.RolledOut(&sts, size); err != nil {
			return err
		}
		var list corev1.PodList
		if err := kc.List(context.Background(), &list, client.InNamespace(c.ns),
			client.MatchingLabels{"app": "nats", "nats_cluster": c.name}); err != nil {
			return err
		}
		if len(list.Items) != size {
			return fmt.Errorf("%d pods", len(list.Items))
		}
		u := c.object()
		if err := get(u, c.ns, c.name); err != nil {
			return err
		}
		if err := conditionTrue(u, "Ready"); err != nil {
			return err
		}
		pods = list.Items
		return nil
	})
	return pods
}

func conditionTrue(u *unstructured.Unstructured, typ string) error {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, raw := range conds {
		cond, _ := raw.(map[string]any)
		if cond["type"] == typ {
			if cond["status"] == "True" {
				return nil
			}
			return fmt.Errorf("condition %s is %v: %v %v", typ, cond["status"], cond["reason"], cond["message"])
		}
	}
	return fmt.Errorf("no %s condition", typ)
}

// requireImages: every container of the pods runs one of the operand
// images the operator was given, and together they run all of them.
func requireImages(t *testing.T, pods []corev1.Pod, operands map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range pods {
		for _, c := range slices.Concat(p.Spec.InitContainers, p.Spec.Containers) {
			if !operands[c.Image] {
				t.Errorf("pod %s: container %s runs %s, not one of the CSV's RELATED_IMAGE_* %v", p.Name, c.Name, c.Image, operands)
			}
			seen[c.Image] = true
		}
	}
	for img := range operands {
		if !seen[img] {
			t.Errorf("no container runs %s", img)
		}
	}
	t.Logf("the NATS pods run the CSV's RELATED_IMAGE_* images: %v", slices.Sorted(maps.Keys(seen)))
}

// requireMesh waits until every server has a route to every other one,
// asking each server's monitoring endpoint on its pod IP (the node's bridge).
func requireMesh(t *testing.T, pods []corev1.Pod) {
	t.Helper()
	ids := map[string]string{} // server ID -> pod
	for _, p := range pods {
		var v struct {
			ServerID string `json:"server_id"`
		}
		if err := monitor(p, "/varz", &v); err != nil {
			t.Fatal(err)
		}
		ids[v.ServerID] = p.Name
	}
	eventually(t, 3*time.Minute, fmt.Sprintf("full mesh of %d servers", len(pods)), func() error {
		return e2eutil.MeshProblem(httpClient, pods, ids)
	})
	t.Logf("%d servers in a full mesh", len(pods))
}

func monitor(p corev1.Pod, path string, out any) error {
	return e2eutil.Monitor(httpClient, p, path, out)
}

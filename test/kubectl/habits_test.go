package kubectl

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

const timeout = 60 * time.Second

// TestKubectlHabits runs, with kubectl itself, the commands nats-operator's
// users type: get, get -o yaml, describe, wait for Ready and delete through
// the short name nats, explain, and get natsserviceroles.
func TestKubectlHabits(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	k := newKubectl(t, cp.Config)
	ns := cp.Namespace(t, "habits")
	nc := &natsv1alpha2.NatsCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "habits"},
		Spec:       natsv1alpha2.ClusterSpec{Size: ptr.To[int32](2)},
	}
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	// A NatsServiceRole named like the cluster: the short name nats must
	// still mean NatsClusters only.
	role := &natsv1alpha2.NatsServiceRole{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "habits", Labels: map[string]string{"nats_cluster": "habits"}},
		Spec:       natsv1alpha2.ServiceRoleSpec{Permissions: natsv1alpha2.Permissions{Publish: []string{"orders.>"}}},
	}
	if err := cp.Client.Create(ctx, role); err != nil {
		t.Fatal(err)
	}
	waitStatefulSet(t, client.ObjectKeyFromObject(nc))

	// Both CRDs once declared the category nats, which kubectl resolves
	// before a short name: `kubectl get nats x` failed with "you must
	// specify only one resource" (issue 10 item 1).
	t.Run("get nats", func(t *testing.T) {
		r := k.run("get", "nats", "-n", ns)
		if r.err != nil || !hasRow(r.stdout, "habits") || strings.Contains(r.stdout, "natsservicerole") {
			t.Errorf("want one row, the NatsCluster habits:\n%s", r)
		}
	})
	t.Run("get nats NAME -o yaml", func(t *testing.T) {
		r := k.run("get", "nats", "habits", "-n", ns, "-o", "yaml")
		if r.err != nil || !strings.Contains(r.stdout, "kind: NatsCluster") || !strings.Contains(r.stdout, "name: habits") {
			t.Errorf("want the NatsCluster as YAML:\n%s", r)
		}
	})
	t.Run("describe nats NAME", func(t *testing.T) {
		r := k.run("describe", "nats", "habits", "-n", ns)
		if r.err != nil || !strings.Contains(r.stdout, "Kind:         NatsCluster") || !strings.Contains(r.stdout, "Conditions:") {
			t.Errorf("want the NatsCluster described with its conditions:\n%s", r)
		}
	})
	t.Run("wait --for=condition=Ready nats/NAME", func(t *testing.T) {
		// envtest runs no pods: the StatefulSet reports its servers ready
		// while kubectl waits.
		marked := make(chan error, 1)
		go func() { marked <- markReady(client.ObjectKeyFromObject(nc)) }()
		r := k.run("wait", "--for=condition=Ready", "nats/habits", "-n", ns, "--timeout=60s")
		if err := <-marked; err != nil {
			t.Fatal(err)
		}
		if r.err != nil || !strings.Contains(r.stdout, "condition met") {
			t.Errorf("want the NatsCluster Ready:\n%s", r)
		}
	})
	t.Run("explain natscluster.spec", func(t *testing.T) {
		r := k.run("explain", "natscluster.spec")
		for _, field := range []string{"KIND:       NatsCluster", "size\t", "version\t", "auth\t"} {
			if r.err != nil || !strings.Contains(r.stdout, field) {
				t.Errorf("explain lacks %q:\n%s", field, r)
			}
		}
	})
	t.Run("get natsserviceroles", func(t *testing.T) {
		r := k.run("get", "natsserviceroles", "-n", ns)
		if r.err != nil || !hasRow(r.stdout, "habits") || !strings.Contains(r.stdout, "CLUSTER") || !strings.Contains(r.stdout, "TOKEN") {
			t.Errorf("want the NatsServiceRole with its cluster and whether its token is issued:\n%s", r)
		}
	})
	t.Run("delete nats NAME", func(t *testing.T) {
		r := k.run("delete", "nats", "habits", "-n", ns, "--timeout=60s")
		if r.err != nil || !strings.Contains(r.stdout, `natscluster.nats.io "habits" deleted`) {
			t.Fatalf("want the NatsCluster deleted:\n%s", r)
		}
		// kubectl waited for the operator to uninstall the release and
		// drop its finalizer: the object is gone, the role is not.
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &natsv1alpha2.NatsCluster{}); !apierrors.IsNotFound(err) {
			t.Errorf("NatsCluster after kubectl delete returned: %v, want NotFound", err)
		}
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(role), &natsv1alpha2.NatsServiceRole{}); err != nil {
			t.Errorf("kubectl delete nats also touched the NatsServiceRole: %v", err)
		}
	})
}

// hasRow reports whether a kubectl table lists name in its first column.
func hasRow(table, name string) bool {
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}

func waitStatefulSet(t *testing.T, key client.ObjectKey) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		return cp.Client.Get(ctx, key, &appsv1.StatefulSet{})
	})
}

// markReady reports every server of the StatefulSet ready and current, as
// the StatefulSet controller would once the pods run.
func markReady(key client.ObjectKey) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		var sts appsv1.StatefulSet
		err := cp.Client.Get(ctx, key, &sts)
		if err == nil {
			n := ptr.Deref(sts.Spec.Replicas, 1)
			sts.Status = appsv1.StatefulSetStatus{
				ObservedGeneration: sts.Generation, Replicas: n, ReadyReplicas: n, CurrentReplicas: n,
				UpdatedReplicas: n, AvailableReplicas: n, CurrentRevision: "r1", UpdateRevision: "r1",
			}
			if err = cp.Client.Status().Update(ctx, &sts); err == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("marking StatefulSet %s ready: %w", key, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

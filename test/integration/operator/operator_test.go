package operator_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/status"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

// One all-namespaces operator serves every test; each test works in its
// own namespace.
func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, &operator.Options{})) }

const timeout = 30 * time.Second

func basicExample(t *testing.T, ns string) *natsv1alpha2.NatsCluster {
	t.Helper()
	return testutil.SampleCluster(t, ns)
}

func conditionOf(nc *natsv1alpha2.NatsCluster, t string) *natsv1alpha2.Condition {
	return status.Find(nc.Status.Conditions, t)
}

func waitCondition(t *testing.T, key types.NamespacedName, typ string, status metav1.ConditionStatus) *natsv1alpha2.NatsCluster {
	t.Helper()
	return cp.WaitCondition(t, key, typ, status)
}

func TestBasicExampleCreatesTopology(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "basic")
	nc := basicExample(t, ns)
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(nc)
	got := waitCondition(t, key, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)
	if got.Status.DeployedRelease == nil || got.Status.DeployedRelease.Name != nc.Name {
		t.Errorf("deployedRelease = %+v, want release %s", got.Status.DeployedRelease, nc.Name)
	}

	var sts appsv1.StatefulSet
	mustGet(t, types.NamespacedName{Namespace: ns, Name: nc.Name}, &sts)
	if r := ptr.Deref(sts.Spec.Replicas, 0); r != 3 {
		t.Errorf("StatefulSet replicas = %d, want 3", r)
	}
	if sts.Spec.ServiceName != nc.Name+"-mgmt" || sts.Spec.PodManagementPolicy != appsv1.ParallelPodManagement {
		t.Errorf("StatefulSet serviceName=%q policy=%q", sts.Spec.ServiceName, sts.Spec.PodManagementPolicy)
	}
	if !metav1.IsControlledBy(&sts, got) {
		t.Errorf("StatefulSet is not controlled by the NatsCluster: %+v", sts.OwnerReferences)
	}

	var client corev1.Service
	mustGet(t, types.NamespacedName{Namespace: ns, Name: nc.Name}, &client)
	if p := client.Spec.Ports; len(p) != 1 || p[0].Name != "tcp-client" || p[0].Port != 4222 {
		t.Errorf("client Service ports = %+v, want tcp-client 4222", p)
	}
	var mgmt corev1.Service
	mustGet(t, types.NamespacedName{Namespace: ns, Name: nc.Name + "-mgmt"}, &mgmt)
	if mgmt.Spec.ClusterIP != corev1.ClusterIPNone || !mgmt.Spec.PublishNotReadyAddresses {
		t.Errorf("mgmt Service clusterIP=%q publishNotReadyAddresses=%v", mgmt.Spec.ClusterIP, mgmt.Spec.PublishNotReadyAddresses)
	}
	ports := map[string]int32{}
	for _, p := range mgmt.Spec.Ports {
		ports[p.Name] = p.Port
	}
	if ports["cluster"] != 6222 || ports["monitoring"] != 8222 || ports["metrics"] != 7777 {
		t.Errorf("mgmt Service ports = %v", ports)
	}

	var cm corev1.ConfigMap
	mustGet(t, types.NamespacedName{Namespace: ns, Name: nc.Name + "-config"}, &cm)
	conf := cm.Data[confcheck.ConfigKey]
	for i := 0; i < 3; i++ {
		route := fmt.Sprintf("nats://%s-%d.%s-mgmt.%s.svc:6222", nc.Name, i, nc.Name, ns)
		if !strings.Contains(conf, route) {
			t.Errorf("nats.conf lacks route %s:\n%s", route, conf)
		}
	}
	var pdb policyv1.PodDisruptionBudget
	mustGet(t, types.NamespacedName{Namespace: ns, Name: nc.Name}, &pdb)

	// No kubelet runs pods here, so Ready reports 0 of 3.
	ready := waitCondition(t, key, natsv1alpha2.ConditionReady, metav1.ConditionFalse)
	if c := conditionOf(ready, natsv1alpha2.ConditionReady); c.Message != "0/3" {
		t.Errorf("Ready message = %q, want 0/3", c.Message)
	}
}

func TestSizeChangeIsFollowed(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "resize")
	nc := basicExample(t, ns)
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(nc)
	waitCondition(t, key, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)

	patch := client.MergeFrom(nc.DeepCopy())
	nc.Spec.Size = ptr.To[int32](5)
	if err := cp.Client.Patch(ctx, nc, patch); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, key, &sts); err != nil {
			return err
		}
		if r := ptr.Deref(sts.Spec.Replicas, 0); r != 5 {
			return fmt.Errorf("replicas = %d, want 5", r)
		}
		var cm corev1.ConfigMap
		if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: nc.Name + "-config"}, &cm); err != nil {
			return err
		}
		if !strings.Contains(cm.Data[confcheck.ConfigKey], fmt.Sprintf("%s-4.%s-mgmt", nc.Name, nc.Name)) {
			return fmt.Errorf("nats.conf has no route to the fifth server")
		}
		return nil
	})

	// The StatefulSet reports its servers ready: Ready follows with 5/5.
	var sts appsv1.StatefulSet
	mustGet(t, key, &sts)
	sts.Status = appsv1.StatefulSetStatus{ObservedGeneration: sts.Generation, Replicas: 5, ReadyReplicas: 5, UpdatedReplicas: 5, AvailableReplicas: 5}
	if err := cp.Client.Status().Update(ctx, &sts); err != nil {
		t.Fatal(err)
	}
	ready := waitCondition(t, key, natsv1alpha2.ConditionReady, metav1.ConditionTrue)
	if c := conditionOf(ready, natsv1alpha2.ConditionReady); c.Message != "5/5" || c.Reason != natsv1alpha2.ReasonAllReplicasReady {
		t.Errorf("Ready = %+v, want 5/5 AllReplicasReady", c)
	}
	// The Helm reconciler's own conditions survive the Go controller's write.
	if c := conditionOf(ready, natsv1alpha2.ConditionDeployed); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Deployed = %+v after Ready was written", c)
	}
}

func TestDeleteRemovesEverything(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "delete")
	nc := basicExample(t, ns)
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(nc)
	waitCondition(t, key, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)
	if err := cp.Client.Delete(ctx, nc); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		for _, obj := range []client.Object{
			&natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: nc.Name}},
			&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: nc.Name}},
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: nc.Name}},
			&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: nc.Name + "-mgmt"}},
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: nc.Name + "-config"}},
			&policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: nc.Name}},
		} {
			err := cp.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: obj.GetName()}, obj)
			if !apierrors.IsNotFound(err) {
				return fmt.Errorf("%T %s still there (err %v)", obj, obj.GetName(), err)
			}
		}
		var secrets corev1.SecretList
		if err := cp.Client.List(ctx, &secrets, client.InNamespace(ns)); err != nil {
			return err
		}
		if len(secrets.Items) > 0 {
			return fmt.Errorf("release Secret %s still there", secrets.Items[0].Name)
		}
		return nil
	})
}

func mustGet(t *testing.T, key types.NamespacedName, obj client.Object) {
	t.Helper()
	if err := cp.Client.Get(context.Background(), key, obj); err != nil {
		t.Fatalf("get %T %s: %v", obj, key, err)
	}
}

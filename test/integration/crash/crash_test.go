// Package crash_test kills the operator, as kill -9 would, exactly while a
// Helm action holds its release pending, and proves that the next operator
// process recovers the release and applies later changes. The operator runs
// as its own process (the built binary), against the envtest control plane.
package crash_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/status"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

// No shared operator: each test runs and kills its own processes.
func TestMain(m *testing.M) {
	code := testutil.RunIntegration(m, &cp, nil)
	removeOperatorBinary()
	os.Exit(code)
}

const (
	clusterName = "crash"
	timeout     = 60 * time.Second
)

// TestKilledDuringInstallRecovers: the operator dies while the release is
// pending-install, with part of the objects created; the next operator
// uninstalls the partial install, installs again and follows later changes.
func TestKilledDuringInstallRecovers(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "crash-install")
	kubeconfig := writeKubeconfig(t, cp.Config)
	hook := newHoldingWebhook(t, ns, func(op admissionv1.Operation, sts *appsv1.StatefulSet) bool {
		return op == admissionv1.Create && sts.Name == clusterName
	})

	first := startOperator(t, kubeconfig, ns, "first")
	nc := createCluster(t, ns, 3)
	hook.Held(t)
	waitReleaseStatus(t, ns, 1, "pending-install")
	first.kill(t)
	hook.Release()
	waitReleaseStatus(t, ns, 1, "pending-install") // nothing else finishes it

	startOperator(t, kubeconfig, ns, "second")
	waitDeployed(t, nc, 3)
	waitRecoveryEvent(t, nc, "pending-install")
	resize(t, nc, 5)
	waitDeployed(t, nc, 5)
}

// TestKilledDuringUpgradeRecovers: the operator dies while the release is
// pending-upgrade, with the new ConfigMap applied and the StatefulSet not
// yet; the next operator finishes the upgrade and follows later changes.
func TestKilledDuringUpgradeRecovers(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "crash-upgrade")
	kubeconfig := writeKubeconfig(t, cp.Config)
	hook := newHoldingWebhook(t, ns, func(op admissionv1.Operation, sts *appsv1.StatefulSet) bool {
		return op == admissionv1.Update && sts.Name == clusterName && ptr.Deref(sts.Spec.Replicas, 0) == 4
	})

	first := startOperator(t, kubeconfig, ns, "first")
	nc := createCluster(t, ns, 3)
	waitDeployed(t, nc, 3)
	resize(t, nc, 4)
	hook.Held(t)
	waitReleaseStatus(t, ns, 2, "pending-upgrade")
	first.kill(t)
	hook.Release()
	waitReleaseStatus(t, ns, 2, "pending-upgrade")

	startOperator(t, kubeconfig, ns, "second")
	waitDeployed(t, nc, 4)
	waitRecoveryEvent(t, nc, "pending-upgrade")
	resize(t, nc, 5)
	waitDeployed(t, nc, 5)
}

func createCluster(t *testing.T, ns string, size int32) *natsv1alpha2.NatsCluster {
	t.Helper()
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: clusterName, Namespace: ns}}
	nc.Spec.Size = ptr.To(size)
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	return nc
}

func resize(t *testing.T, nc *natsv1alpha2.NatsCluster, size int32) {
	t.Helper()
	var cur natsv1alpha2.NatsCluster
	ctx := context.Background()
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Size = ptr.To(size)
	if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
		t.Fatal(err)
	}
}

// waitReleaseStatus waits until revision rev of the release is in status,
// reading the release Secret Helm writes (its status label).
func waitReleaseStatus(t *testing.T, ns string, rev int, want string) {
	t.Helper()
	key := types.NamespacedName{Namespace: ns, Name: fmt.Sprintf("sh.helm.release.v1.%s.v%d", clusterName, rev)}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var s corev1.Secret
		if err := cp.Client.Get(ctx, key, &s); err != nil {
			return err
		}
		if got := s.Labels["status"]; got != want {
			return fmt.Errorf("release %s is %q, want %q", key.Name, got, want)
		}
		return nil
	})
}

// waitDeployed waits until the NatsCluster reports Deployed, the latest
// release revision is deployed and the StatefulSet has size replicas.
func waitDeployed(t *testing.T, nc *natsv1alpha2.NatsCluster, size int32) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var cur natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
			return err
		}
		if c := status.Find(cur.Status.Conditions, natsv1alpha2.ConditionDeployed); c == nil || c.Status != metav1.ConditionTrue {
			return fmt.Errorf("Deployed is %+v (Irreconcilable %+v)", c, status.Find(cur.Status.Conditions, natsv1alpha2.ConditionIrreconcilable))
		}
		var secrets corev1.SecretList
		if err := cp.Client.List(ctx, &secrets, client.InNamespace(nc.Namespace), client.MatchingLabels{"owner": "helm", "name": clusterName}); err != nil {
			return err
		}
		var latest corev1.Secret
		latestVersion := 0
		for _, s := range secrets.Items {
			if v, _ := strconv.Atoi(s.Labels["version"]); v > latestVersion {
				latest, latestVersion = s, v
			}
		}
		if latest.Labels["status"] != "deployed" {
			return fmt.Errorf("latest release %s is %q", latest.Name, latest.Labels["status"])
		}
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		if r := ptr.Deref(sts.Spec.Replicas, 0); r != size {
			return fmt.Errorf("StatefulSet replicas %d, want %d", r, size)
		}
		return nil
	})
}

// waitRecoveryEvent waits for the Event that tells the user the release was
// found pending and recovered.
func waitRecoveryEvent(t *testing.T, nc *natsv1alpha2.NatsCluster, pending string) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var events corev1.EventList
		if err := cp.Client.List(ctx, &events, client.InNamespace(nc.Namespace)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Name == nc.Name && e.Reason == operator.ReasonPendingReleaseRecovered && strings.Contains(e.Message, pending) {
				return nil
			}
		}
		return fmt.Errorf("no %s Event about %s on %s", operator.ReasonPendingReleaseRecovered, pending, nc.Name)
	})
}

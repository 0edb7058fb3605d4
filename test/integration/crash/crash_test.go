// Package crash_test kills the operator, as kill -9 would, in the middle of
// a Helm action, and proves that the next operator process finishes the
// change and applies later ones: an action cut short leaves no pending
// release record to lock the release (pendingInMemory). A pending record
// left by an earlier operator version or the helm CLI is recovered. The
// operator runs as its own process (the built binary), against the envtest
// control plane.
package crash_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
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

// TestKilledDuringInstallRecovers: the operator dies in the middle of the
// install, with part of the objects created and no release record; the
// next operator installs, taking over those objects, and follows later
// changes.
func TestKilledDuringInstallRecovers(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "crash-install")
	kubeconfig := writeKubeconfig(t, cp.Config)
	hook := newHoldingWebhook(t, ns, func(op admissionv1.Operation, sts *appsv1.StatefulSet) bool {
		return op == admissionv1.Create && sts.Name == clusterName
	})

	first := startOperator(t, kubeconfig, ns, "first")
	nc := createCluster(t, ns)
	hook.Held(t)
	requireConfigMap(t, nc) // created before the StatefulSet
	requireNoRelease(t, ns)
	first.kill(t)
	hook.Release()
	requireNoRelease(t, ns)

	startOperator(t, kubeconfig, ns, "second")
	waitDeployed(t, nc, 3)
	requireReleaseRevisions(t, ns, 1)
	resize(t, nc, 5)
	waitDeployed(t, nc, 5)
}

// TestKilledDuringUpgradeRecovers: the operator dies in the middle of an
// upgrade, with the new ConfigMap applied and the StatefulSet not yet; the
// history still ends in the deployed revision 1, and the next operator
// upgrades from it and follows later changes.
func TestKilledDuringUpgradeRecovers(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "crash-upgrade")
	kubeconfig := writeKubeconfig(t, cp.Config)
	hook := newHoldingWebhook(t, ns, func(op admissionv1.Operation, sts *appsv1.StatefulSet) bool {
		return op == admissionv1.Update && sts.Name == clusterName && ptr.Deref(sts.Spec.Replicas, 0) == 4
	})

	first := startOperator(t, kubeconfig, ns, "first")
	nc := createCluster(t, ns)
	waitDeployed(t, nc, 3)
	resize(t, nc, 4)
	hook.Held(t)
	requireReleaseRevisions(t, ns, 1)
	first.kill(t)
	hook.Release()
	requireReleaseRevisions(t, ns, 1)
	waitReleaseStatus(t, ns, 1, "deployed")

	// The StatefulSet write the webhook held goes through once released,
	// so replicas 4 alone does not tell that the second operator upgraded.
	startOperator(t, kubeconfig, ns, "second")
	waitReleaseStatus(t, ns, 2, "deployed")
	waitDeployed(t, nc, 4)
	resize(t, nc, 5)
	waitDeployed(t, nc, 5)
}

// TestPendingInstallRecovers: a pending-install record, as an operator
// before pendingInMemory or the helm CLI leaves it when killed, no longer
// locks the release: the operator uninstalls it, installs afresh and says
// so in an Event.
func TestPendingInstallRecovers(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "pending-install")
	kubeconfig := writeKubeconfig(t, cp.Config)

	first := startOperator(t, kubeconfig, ns, "first")
	nc := createCluster(t, ns)
	waitDeployed(t, nc, 3)
	first.kill(t)
	setReleaseStatus(t, ns, 1, release.StatusPendingInstall)

	startOperator(t, kubeconfig, ns, "second")
	waitRecoveryEvent(t, nc, "pending-install")
	waitDeployed(t, nc, 3)
	resize(t, nc, 5)
	waitDeployed(t, nc, 5)
}

// TestPendingUpgradeRecovers: the same for a pending-upgrade record; the
// operator marks it failed and upgrades to the current spec.
func TestPendingUpgradeRecovers(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "pending-upgrade")
	kubeconfig := writeKubeconfig(t, cp.Config)

	startOperator(t, kubeconfig, ns, "first")
	nc := createCluster(t, ns)
	waitDeployed(t, nc, 3)
	addPendingUpgrade(t, ns)
	resize(t, nc, 4)
	waitRecoveryEvent(t, nc, "pending-upgrade")
	waitDeployed(t, nc, 4)
}

// createCluster creates the NatsCluster with 3 servers.
func createCluster(t *testing.T, ns string) *natsv1alpha2.NatsCluster {
	t.Helper()
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: clusterName, Namespace: ns}}
	nc.Spec.Size = ptr.To[int32](3)
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

// releaseStorage is the release history as Helm reads it, in ns.
func releaseStorage(t *testing.T, ns string) *storage.Storage {
	t.Helper()
	clientset, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	return storage.Init(driver.NewSecrets(clientset.CoreV1().Secrets(ns)))
}

// setReleaseStatus rewrites revision rev with status, as a Helm action
// killed in flight leaves it.
func setReleaseStatus(t *testing.T, ns string, rev int, status release.Status) {
	t.Helper()
	st := releaseStorage(t, ns)
	rls, err := st.Get(clusterName, rev)
	if err != nil {
		t.Fatal(err)
	}
	rls.Info.Status = status
	if err := st.Update(rls); err != nil {
		t.Fatal(err)
	}
}

// addPendingUpgrade records a revision after the last one, pending-upgrade,
// as a Helm upgrade killed in flight leaves it.
func addPendingUpgrade(t *testing.T, ns string) {
	t.Helper()
	st := releaseStorage(t, ns)
	last, err := st.Last(clusterName)
	if err != nil {
		t.Fatal(err)
	}
	pending := *last
	pending.Version = last.Version + 1
	pending.Info = &release.Info{Status: release.StatusPendingUpgrade, Description: "killed in flight"}
	if err := st.Create(&pending); err != nil {
		t.Fatal(err)
	}
}

// requireReleaseRevisions fails unless the release history holds exactly
// the revisions want.
func requireReleaseRevisions(t *testing.T, ns string, want ...int) {
	t.Helper()
	var secrets corev1.SecretList
	if err := cp.Client.List(context.Background(), &secrets, client.InNamespace(ns), client.MatchingLabels{"owner": "helm", "name": clusterName}); err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, s := range secrets.Items {
		v, err := strconv.Atoi(s.Labels["version"])
		if err != nil {
			t.Fatalf("release Secret %s: version %q", s.Name, s.Labels["version"])
		}
		got = append(got, v)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("release revisions %v, want %v", got, want)
	}
}

// requireNoRelease fails if any release record exists.
func requireNoRelease(t *testing.T, ns string) {
	t.Helper()
	requireReleaseRevisions(t, ns)
}

// requireConfigMap fails unless the cluster's ConfigMap exists.
func requireConfigMap(t *testing.T, nc *natsv1alpha2.NatsCluster) {
	t.Helper()
	var cm corev1.ConfigMap
	if err := cp.Client.Get(context.Background(), types.NamespacedName{Namespace: nc.Namespace, Name: nc.Name + "-config"}, &cm); err != nil {
		t.Fatal(err)
	}
}

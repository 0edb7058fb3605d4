package operator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/status"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// deployed creates the basic example in a fresh namespace and waits until
// the Helm reconciler has installed it.
func deployed(t *testing.T, prefix string) *natsv1alpha2.NatsCluster {
	t.Helper()
	testutil.Integration(t)
	nc := basicExample(t, cp.Namespace(t, prefix))
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	return waitCondition(t, client.ObjectKeyFromObject(nc), natsv1alpha2.ConditionDeployed, metav1.ConditionTrue)
}

// releaseSnapshot is what must not move while a bad change is refused.
type releaseSnapshot struct {
	stsGeneration int64
	config        string
	releases      int
}

// waitApplied waits until the running release was made from the
// NatsCluster's current spec. The objects change before Helm records the
// revision (pendingInMemory), so seeing them changed is not enough to take
// a snapshot.
func waitApplied(t *testing.T, nc *natsv1alpha2.NatsCluster) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var cur natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
			return err
		}
		if !status.Applied(&cur) {
			return fmt.Errorf("generation %d not deployed yet: %+v", cur.Generation, status.Find(cur.Status.Conditions, natsv1alpha2.ConditionDeployed))
		}
		return nil
	})
}

func snapshot(t *testing.T, nc *natsv1alpha2.NatsCluster) releaseSnapshot {
	t.Helper()
	ctx := context.Background()
	var sts appsv1.StatefulSet
	mustGet(t, client.ObjectKeyFromObject(nc), &sts)
	var cm corev1.ConfigMap
	mustGet(t, types.NamespacedName{Namespace: nc.Namespace, Name: nc.Name + "-config"}, &cm)
	var secrets corev1.SecretList
	if err := cp.Client.List(ctx, &secrets, client.InNamespace(nc.Namespace), client.MatchingLabels{"owner": "helm", "name": nc.Name}); err != nil {
		t.Fatal(err)
	}
	return releaseSnapshot{stsGeneration: sts.Generation, config: cm.Data[confcheck.ConfigKey], releases: len(secrets.Items)}
}

func patchSpec(t *testing.T, nc *natsv1alpha2.NatsCluster, mutate func(*natsv1alpha2.ClusterSpec)) {
	t.Helper()
	ctx := context.Background()
	var cur natsv1alpha2.NatsCluster
	mustGet(t, client.ObjectKeyFromObject(nc), &cur)
	patch := client.MergeFrom(cur.DeepCopy())
	mutate(&cur.Spec)
	if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
		t.Fatal(err)
	}
}

// TestRefusedChangesLeaveTheReleaseRunning: a chartValues override the
// chart's schema refuses, and a configuration nats-server cannot parse, each
// show up as a one-line condition and a Warning Event naming the field to
// correct, and as STATUS Refused, while the running
// StatefulSet, config and release stay exactly as they were. Fixing the
// spec recovers.
func TestRefusedChangesLeaveTheReleaseRunning(t *testing.T) {
	tests := []struct {
		name        string
		chartValues string
		want        string
	}{
		{"override of the wrong type", `{"size": "three"}`, "spec.chartValues.size: expected int32, got string"},
		{"misspelled override", `{"pod": {"lables": {"a": "b"}}}`, "spec.chartValues.pod.lables: the nats-cluster chart has no such value"},
		{"unparsable nats.conf", `{"config": {"merge": {"max_payload": "<< {{ >>"}}}`, "config.merge.max_payload: \"<< {{ >>\": << >> holds one size"},
		{"key nats-server does not know", `{"config": {"merge": {"max_payloads": 1024}}}`, `nats-server refuses spec.chartValues.config.merge.max_payloads (nats.conf key max_payloads, line `},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := deployed(t, "refused")
			before := snapshot(t, nc)
			patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
				s.ChartValues = &apiextensionsv1.JSON{Raw: []byte(tt.chartValues)}
			})
			key := client.ObjectKeyFromObject(nc)
			got := waitCondition(t, key, natsv1alpha2.ConditionIrreconcilable, metav1.ConditionTrue)
			if c := conditionOf(got, natsv1alpha2.ConditionIrreconcilable); !strings.Contains(c.Message, tt.want) || strings.Contains(c.Message, "\n") {
				t.Errorf("Irreconcilable message = %q, want one line containing %q", c.Message, tt.want)
			}
			// What a person sees: STATUS, and an Event with the same words.
			waitState(t, nc, natsv1alpha2.StateRefused)
			waitWarningEvent(t, nc, tt.want)
			if after := snapshot(t, nc); after != before {
				t.Errorf("the running release changed:\nbefore %+v\nafter  %+v", before, after)
			}

			patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.ChartValues = nil; s.Size = ptr.To[int32](4) })
			testutil.Eventually(t, timeout, func(ctx context.Context) error {
				var sts appsv1.StatefulSet
				if err := cp.Client.Get(ctx, key, &sts); err != nil {
					return err
				}
				if ptr.Deref(sts.Spec.Replicas, 0) != 4 {
					return fmt.Errorf("replicas %d, want 4 after the fix", ptr.Deref(sts.Spec.Replicas, 0))
				}
				return nil
			})
			waitCondition(t, key, natsv1alpha2.ConditionIrreconcilable, metav1.ConditionFalse)
		})
	}
}

// TestPausedClusterIsNotRolledOut: while spec.paused is true a size change
// is not applied and the Paused condition says so; unpausing applies it.
func TestPausedClusterIsNotRolledOut(t *testing.T) {
	nc := deployed(t, "paused")
	key := client.ObjectKeyFromObject(nc)
	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.Paused = true; s.Size = ptr.To[int32](5) })
	waitCondition(t, key, natsv1alpha2.ConditionPaused, metav1.ConditionTrue)
	// The pause decision is taken before any upgrade in the same reconcile,
	// so once Paused is reported the StatefulSet must still have 3 replicas.
	var sts appsv1.StatefulSet
	mustGet(t, key, &sts)
	if r := ptr.Deref(sts.Spec.Replicas, 0); r != 3 {
		t.Fatalf("paused cluster rolled out: replicas %d", r)
	}
	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.Paused = false })
	waitCondition(t, key, natsv1alpha2.ConditionPaused, metav1.ConditionFalse)
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, key, &sts); err != nil {
			return err
		}
		if r := ptr.Deref(sts.Spec.Replicas, 0); r != 5 {
			return fmt.Errorf("replicas %d, want 5 after unpausing", r)
		}
		return nil
	})
}

// TestServicePolicyFollowsEveryChange: nats-operator applied servicePolicy
// only when it created the Service; here a later change reaches it, and a
// label removed by hand comes back.
func TestServicePolicyFollowsEveryChange(t *testing.T) {
	nc := deployed(t, "svcpolicy")
	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.ServicePolicy = &natsv1alpha2.ServicePolicy{Labels: map[string]string{"team": "messaging"}, Annotations: map[string]string{"lb": "internal"}}
	})
	svcKey := types.NamespacedName{Namespace: nc.Namespace, Name: nc.Name}
	hasPolicy := func(ctx context.Context) error {
		var svc corev1.Service
		if err := cp.Client.Get(ctx, svcKey, &svc); err != nil {
			return err
		}
		if svc.Labels["team"] != "messaging" || svc.Annotations["lb"] != "internal" {
			return fmt.Errorf("service labels %v annotations %v", svc.Labels, svc.Annotations)
		}
		return nil
	}
	testutil.Eventually(t, timeout, hasPolicy)

	var svc corev1.Service
	mustGet(t, svcKey, &svc)
	delete(svc.Labels, "team")
	if err := cp.Client.Update(context.Background(), &svc); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, hasPolicy)
}

// TestHandEditsAreRepaired: the Helm reconciler's cache keeps only
// digests of the release's objects (slimManaged), and still sees someone
// else's edit of a ConfigMap's data and the deletion of a Service, and
// puts both back, the Service owned by the release as Helm creates it.
func TestHandEditsAreRepaired(t *testing.T) {
	nc := deployed(t, "hand-edit")
	ctx := context.Background()
	cmKey := types.NamespacedName{Namespace: nc.Namespace, Name: nc.Name + "-config"}
	var cm corev1.ConfigMap
	mustGet(t, cmKey, &cm)
	rendered := cm.Data["nats.conf"]
	// helm-operator-plugins starts watching a release's objects after its
	// first install returns, so an edit in that window is not seen until
	// the next event: the edit is repeated until it is repaired.
	edits, polls := 0, 0
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, cmKey, &cm); err != nil {
			return err
		}
		if cm.Data["nats.conf"] == rendered && edits > 0 {
			return nil
		}
		if polls++; polls%20 == 1 { // every 2 s
			edits++
			cm.Data["nats.conf"] = fmt.Sprintf("port: %d\n", 4300+edits)
			if err := cp.Client.Update(ctx, &cm); err != nil {
				return err
			}
		}
		return fmt.Errorf("nats.conf is still the hand-edited %q", cm.Data["nats.conf"])
	})

	mgmt := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: nc.Namespace, Name: nc.Name + "-mgmt"}}
	if err := cp.Client.Delete(ctx, mgmt); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var svc corev1.Service
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(mgmt), &svc); err != nil {
			return err
		}
		if svc.DeletionTimestamp != nil || svc.UID == mgmt.UID {
			return fmt.Errorf("not recreated yet")
		}
		// Recreated as Helm would: owned by the release, so that its
		// uninstall (and the next upgrade) knows it.
		if svc.Annotations["meta.helm.sh/release-name"] != nc.Name || svc.Annotations["meta.helm.sh/release-namespace"] != nc.Namespace ||
			svc.Labels["app.kubernetes.io/managed-by"] != "Helm" {
			return fmt.Errorf("recreated without the release's ownership: annotations %v, labels %v", svc.Annotations, svc.Labels)
		}
		return nil
	})
}

//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestInstallScope: the operator runs with the RBAC of its install mode
// (E2E_INSTALL): namespace-scoped it may manage StatefulSets in its own
// namespace only; cluster-scoped it may everywhere and a NatsCluster in
// another namespace runs.
func TestInstallScope(t *testing.T) {
	t.Parallel()
	var d appsv1.Deployment
	if err := kc.Get(context.Background(), client.ObjectKey{Namespace: env.operatorNS, Name: env.operatorDeploy}, &d); err != nil {
		t.Fatal(err)
	}
	user := fmt.Sprintf("system:serviceaccount:%s:%s", env.operatorNS, d.Spec.Template.Spec.ServiceAccountName)
	can := func(ns string) bool {
		t.Helper()
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   user,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + env.operatorNS, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: ns, Verb: "create", Group: "apps", Resource: "statefulsets",
			},
		}}
		if err := kc.Create(context.Background(), sar); err != nil {
			t.Fatal(err)
		}
		return sar.Status.Allowed
	}
	if !can(env.operatorNS) {
		t.Errorf("%s may not create StatefulSets in its own namespace", user)
	}
	switch env.install {
	case "namespace":
		if can("default") {
			t.Errorf("namespace-scoped %s may create StatefulSets in namespace default", user)
		}
	case "cluster":
		if !can("default") {
			t.Errorf("cluster-scoped %s may not create StatefulSets in namespace default", user)
		}
		ns := "e2e-elsewhere"
		createObject(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
		c := createClusterIn(t, ns, "e2e-elsewhere", obj{"size": 2, "version": env.natsVersion})
		pods := c.waitReady(2, env.natsVersion)
		waitMesh(t, pods)
		requireDelivery(t, mustConnectPod(t, pods[1]), mustConnectPod(t, pods[0]), "e2e.elsewhere")
	default:
		t.Fatalf("E2E_INSTALL=%q, want namespace or cluster", env.install)
	}
}

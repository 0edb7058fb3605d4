package operator_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestJetStreamVolumesFollowTheirRetentionPolicy: the StatefulSet the API
// server stores carries the PVC retention policy of spec.jetstream.file
// (whenDeleted Delete, whenScaled Retain by default), so a deleted cluster
// takes its data along and a new one of the same name starts empty; a
// changed policy is applied to the running StatefulSet. (That the
// StatefulSet controller then deletes the PVCs is proven on a real node,
// test/e2e.)
func TestJetStreamVolumesFollowTheirRetentionPolicy(t *testing.T) {
	testutil.Integration(t)
	nc := basicExample(t, cp.Namespace(t, "js-retention"))
	size := resource.MustParse("1Gi")
	nc.Spec.JetStream = &natsv1alpha2.JetStreamConfig{File: &natsv1alpha2.JetStreamFile{Size: &size}}
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	waitRetention(t, nc, appsv1.DeletePersistentVolumeClaimRetentionPolicyType, appsv1.RetainPersistentVolumeClaimRetentionPolicyType)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.JetStream.File.WhenDeleted = string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType)
		s.JetStream.File.WhenScaled = string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)
	})
	waitRetention(t, nc, appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType)
}

func waitRetention(t *testing.T, nc *natsv1alpha2.NatsCluster, whenDeleted, whenScaled appsv1.PersistentVolumeClaimRetentionPolicyType) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		p := sts.Spec.PersistentVolumeClaimRetentionPolicy
		if p == nil || p.WhenDeleted != whenDeleted || p.WhenScaled != whenScaled {
			return fmt.Errorf("persistentVolumeClaimRetentionPolicy %+v, want whenDeleted %s, whenScaled %s", p, whenDeleted, whenScaled)
		}
		return nil
	})
}

// TestTemplateLifecycleNeverReplacesLameDuck: on the API server, a pod
// template's postStart hook runs beside the operator's lame-duck preStop
// hook; a template preStop, which used to replace lame-duck mode without a
// word, is refused: STATUS Refused and a Warning Event name the field.
func TestTemplateLifecycleNeverReplacesLameDuck(t *testing.T) {
	testutil.Integration(t)
	nc := basicExample(t, cp.Namespace(t, "lifecycle"))
	hook := &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/bin/true"}}}
	nc.Spec.Template = &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "nats", Lifecycle: &corev1.Lifecycle{PostStart: hook}},
	}}}
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		for _, c := range sts.Spec.Template.Spec.Containers {
			if c.Name != "nats" {
				continue
			}
			if lc := c.Lifecycle; lc == nil || lc.PostStart == nil || lc.PreStop == nil || lc.PreStop.Exec == nil || !slices.Contains(lc.PreStop.Exec.Command, "--signal") {
				return fmt.Errorf("nats lifecycle %+v, want the template's postStart and the lame-duck preStop", lc)
			}
			return nil
		}
		return fmt.Errorf("no nats container")
	})

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.Template.Spec.Containers[0].Lifecycle.PreStop = hook
	})
	waitState(t, nc, natsv1alpha2.StateRefused)
	waitWarningEvent(t, nc, "lifecycle.preStop: the operator's preStop puts the server in lame-duck mode")
}

// TestScaleWithRouteAuthKeepsThePodTemplate: with spec.auth.clusterAuthSecret
// the route list (with its credentials) lives in the auth Secret, which the
// servers reload, so a scale changes the StatefulSet's replicas and nothing
// in its pod template: no running server restarts. (It used to list every
// pod in a ROUTES variable, and each scale rolled every server.)
func TestScaleWithRouteAuthKeepsThePodTemplate(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	nc := basicExample(t, cp.Namespace(t, "route-auth-scale"))
	routes := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "routes", Namespace: nc.Namespace},
		StringData: map[string]string{"auth.json": `{"user": "route", "password": "p@ss:w/rd"}`},
	}
	if err := cp.Client.Create(ctx, routes); err != nil {
		t.Fatal(err)
	}
	nc.Spec.Auth = &natsv1alpha2.AuthConfig{ClusterAuthSecret: "routes"}
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, client.ObjectKeyFromObject(nc), natsv1alpha2.ConditionAuthReady, metav1.ConditionTrue)
	before := waitStatefulSetReplicas(t, nc, 3)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.Size = ptr.To[int32](5) })
	after := waitStatefulSetReplicas(t, nc, 5)
	if !equality.Semantic.DeepEqual(before.Spec.Template, after.Spec.Template) {
		t.Errorf("the scale changed the pod template, so every server restarts:\nbefore %+v\nafter  %+v", before.Spec.Template, after.Spec.Template)
	}
}

func waitStatefulSetReplicas(t *testing.T, nc *natsv1alpha2.NatsCluster, want int32) *appsv1.StatefulSet {
	t.Helper()
	var sts appsv1.StatefulSet
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		if got := ptr.Deref(sts.Spec.Replicas, 0); got != want {
			return fmt.Errorf("replicas %d, want %d", got, want)
		}
		return nil
	})
	return &sts
}

// TestCalloutModeDeploysTheSidecar: with spec.auth.serviceAccounts.mode
// Callout the whole operator (Helm reconciler and auth controller) gives
// each server the callout sidecar with <cluster>-callout, which the auth
// controller has written, and reports AuthReady.
func TestCalloutModeDeploysTheSidecar(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	nc := basicExample(t, cp.Namespace(t, "callout"))
	nc.Spec.Auth = &natsv1alpha2.AuthConfig{EnableServiceAccounts: true,
		ServiceAccounts: &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout}}
	if err := cp.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, client.ObjectKeyFromObject(nc), natsv1alpha2.ConditionAuthReady, metav1.ConditionTrue)
	mustGet(t, client.ObjectKey{Namespace: nc.Namespace, Name: nc.Name + "-callout"}, &corev1.Secret{})
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			return err
		}
		for _, c := range sts.Spec.Template.Spec.Containers {
			if c.Name == "callout" {
				return nil
			}
		}
		return fmt.Errorf("no callout sidecar in the StatefulSet")
	})
}

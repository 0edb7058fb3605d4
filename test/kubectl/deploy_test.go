package kubectl

import (
	"context"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

const (
	operatorNS     = "nats-operator-system"
	operatorDeploy = "nats-operator-controller-manager"
	// A digest: make deploy must carry it to the container and to
	// RELATED_IMAGE_OPERATOR unchanged.
	deployIMG = "registry.example.com/nats-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// TestMakeDeployAndUndeploy runs the Makefile's targets with kubectl
// against a control plane of its own (undeploy removes the CRDs), with the
// operator running: make deploy installs the operator for every namespace,
// its image (a digest) in RELATED_IMAGE_OPERATOR too, and the metrics
// Service and metrics-reader ClusterRole; make undeploy refuses while a
// NatsCluster exists (its finalizer would outlive the operator and hang the
// CRD deletion), and with DELETE_CLUSTERS=true deletes it, waits for the
// operator to clean up, then removes the operator.
func TestMakeDeployAndUndeploy(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	own, err := testutil.StartControlPlane()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = own.Stop() }()
	stop, err := own.RunOperator(operator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stop() }()
	k := newKubectl(t, own.Config)
	runMake := func(args ...string) result {
		t.Helper()
		args = append([]string{"-C", testutil.RepoRoot(), "--no-print-directory", "KUBECTL=" + k.path}, args...)
		return run(t, []string{"KUBECONFIG=" + k.conf, "KUBECACHEDIR=" + k.cacheDir}, "make", args...)
	}

	if r := runMake("deploy", "IMG="+deployIMG); r.err != nil {
		t.Fatalf("make deploy:\n%s", r)
	}
	checkDeployed(ctx, t, own.Client)

	ns := own.Namespace(t, "undeploy")
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "left-behind"}}
	if err := own.Client.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		return own.Client.Get(ctx, client.ObjectKeyFromObject(nc), &appsv1.StatefulSet{})
	})

	// wait=false: envtest has no namespace controller, so the operator's
	// Namespace is never gone.
	r := runMake("undeploy", "wait=false")
	if r.err == nil || !strings.Contains(r.stderr, "refusing to remove the operator") || !strings.Contains(r.stderr, ns) ||
		!strings.Contains(r.stderr, "left-behind") || !strings.Contains(r.stderr, "DELETE_CLUSTERS=true") {
		t.Fatalf("make undeploy with a NatsCluster left: want a refusal naming it and the way out:\n%s", r)
	}
	if err := own.Client.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: operatorDeploy}, &appsv1.Deployment{}); err != nil {
		t.Fatalf("the refused undeploy removed the operator: %v", err)
	}

	if r := runMake("undeploy", "DELETE_CLUSTERS=true", "wait=false"); r.err != nil {
		t.Fatalf("make undeploy DELETE_CLUSTERS=true:\n%s", r)
	}
	if err := own.Client.Get(ctx, client.ObjectKeyFromObject(nc), &natsv1alpha2.NatsCluster{}); !apierrors.IsNotFound(err) {
		t.Errorf("NatsCluster after undeploy: %v, want NotFound", err)
	}
	if err := own.Client.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: operatorDeploy}, &appsv1.Deployment{}); !apierrors.IsNotFound(err) {
		t.Errorf("operator Deployment after undeploy: %v, want NotFound", err)
	}
	if err := own.Client.Get(ctx, client.ObjectKey{Name: "nats-operator-manager-rolebinding"}, &rbacv1.ClusterRoleBinding{}); !apierrors.IsNotFound(err) {
		t.Errorf("operator ClusterRoleBinding after undeploy: %v, want NotFound", err)
	}
}

// checkDeployed checks what make deploy left in the cluster.
func checkDeployed(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	var d appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: operatorDeploy}, &d); err != nil {
		t.Fatal(err)
	}
	ctr := d.Spec.Template.Spec.Containers[0]
	env := map[string]*corev1.EnvVar{}
	for i := range ctr.Env {
		env[ctr.Env[i].Name] = &ctr.Env[i]
	}
	if ctr.Image != deployIMG {
		t.Errorf("operator image %q, want %q", ctr.Image, deployIMG)
	}
	if e := env["RELATED_IMAGE_OPERATOR"]; e == nil || e.Value != deployIMG {
		t.Errorf("RELATED_IMAGE_OPERATOR = %+v, want %q", e, deployIMG)
	}
	if e := env["WATCH_NAMESPACE"]; e == nil || e.Value != "" || e.ValueFrom != nil {
		t.Errorf("WATCH_NAMESPACE = %+v, want \"\" (every namespace)", e)
	}
	for _, name := range []string{"nats-operator-manager-rolebinding", "nats-operator-helm-rolebinding"} {
		var b rbacv1.ClusterRoleBinding
		if err := c.Get(ctx, client.ObjectKey{Name: name}, &b); err != nil {
			t.Errorf("ClusterRoleBinding %s (every namespace): %v", name, err)
		}
	}
	var svc corev1.Service
	if err := c.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: "nats-operator-controller-manager-metrics"}, &svc); err != nil {
		t.Errorf("metrics Service: %v", err)
	} else {
		for k, v := range svc.Spec.Selector {
			if d.Spec.Template.Labels[k] != v {
				t.Errorf("metrics Service selector %s=%s misses the operator's pod (labels %v)", k, v, d.Spec.Template.Labels)
			}
		}
	}
	var reader rbacv1.ClusterRole
	if err := c.Get(ctx, client.ObjectKey{Name: "nats-operator-metrics-reader"}, &reader); err != nil {
		t.Errorf("metrics-reader ClusterRole: %v", err)
	} else if len(reader.Rules) != 1 || len(reader.Rules[0].NonResourceURLs) != 1 || reader.Rules[0].NonResourceURLs[0] != "/metrics" {
		t.Errorf("metrics-reader rules %+v, want get on /metrics", reader.Rules)
	}
}

package operator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestPausedClusterCanBeDeleted: spec.paused stops rollouts, not deletion;
// the release is uninstalled and the finalizer goes.
func TestPausedClusterCanBeDeleted(t *testing.T) {
	nc := deployed(t, "paused-delete")
	key := client.ObjectKeyFromObject(nc)
	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.Paused = true })
	waitCondition(t, key, natsv1alpha2.ConditionPaused, metav1.ConditionTrue)
	if err := cp.Client.Delete(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	waitGone(t, nc)
	// No garbage collector runs here: the StatefulSet is gone only if the
	// release was uninstalled.
	var sts appsv1.StatefulSet
	if err := cp.Client.Get(context.Background(), key, &sts); !apierrors.IsNotFound(err) {
		t.Errorf("StatefulSet: err = %v, want NotFound (the release was not uninstalled)", err)
	}
}

func waitGone(t *testing.T, obj client.Object) {
	t.Helper()
	cp.WaitGone(t, obj)
}

// TestUnreleasableNameCanBeDeleted: a NatsCluster whose name Helm refuses as
// a release name (more than 53 characters, admitted before the CRD bounded
// names) never had a release, so its deletion has nothing to uninstall and
// the finalizer goes at once.
func TestUnreleasableNameCanBeDeleted(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "longname")
	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace = strings.Repeat("n", 60), ns
	createUnderOldNameRules(t, nc)

	// The operator takes the object on (finalizer) and reports that it
	// cannot install it.
	got := waitCondition(t, client.ObjectKeyFromObject(nc), natsv1alpha2.ConditionIrreconcilable, metav1.ConditionTrue)
	if len(got.Finalizers) == 0 {
		t.Fatalf("no finalizer on %s: the test proves nothing", nc.Name)
	}
	if err := cp.Client.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
	waitGone(t, got)
}

// createUnderOldNameRules creates nc, whose name the CRD's current rules
// may refuse, as the API server admitted it before they existed: the CRD's
// root rules about metadata.name are lifted for the create and restored
// afterwards, so the object is stored exactly like an old one.
func createUnderOldNameRules(t *testing.T, nc *natsv1alpha2.NatsCluster) {
	t.Helper()
	ctx := context.Background()
	scheme := runtime.NewScheme()
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	crds, err := client.New(cp.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := crds.Get(ctx, client.ObjectKey{Name: "natsclusters.nats.io"}, &crd); err != nil {
		t.Fatal(err)
	}
	schema := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
	rules := schema.XValidations
	var kept apiextensionsv1.ValidationRules
	for _, r := range rules {
		if !strings.Contains(r.Rule, "metadata.name") {
			kept = append(kept, r)
		}
	}
	if len(kept) == len(rules) {
		if err := cp.Client.Create(ctx, nc); err != nil {
			t.Fatal(err)
		}
		return
	}
	setRootRules := func(rules apiextensionsv1.ValidationRules) {
		t.Helper()
		if err := crds.Get(ctx, client.ObjectKeyFromObject(&crd), &crd); err != nil {
			t.Fatal(err)
		}
		crd.Spec.Versions[0].Schema.OpenAPIV3Schema.XValidations = rules
		if err := crds.Update(ctx, &crd); err != nil {
			t.Fatal(err)
		}
	}
	setRootRules(kept)
	restored := false
	restore := func() {
		if !restored {
			restored = true
			setRootRules(rules)
		}
	}
	t.Cleanup(restore)
	// The API server swaps in the new schema asynchronously.
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		return cp.Client.Create(ctx, nc.DeepCopy())
	})
	restore()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		probe := &natsv1alpha2.NatsCluster{}
		probe.Name, probe.Namespace = nc.Name+"x", nc.Namespace
		if err := cp.Client.Create(ctx, probe, client.DryRunAll); !apierrors.IsInvalid(err) {
			return fmt.Errorf("the CRD's name rules are not enforced again yet (dry-run create: %v)", err)
		}
		return nil
	})
}

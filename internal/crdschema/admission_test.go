package crdschema_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

// TestAPIServerEnforcesTheCRDBounds creates every case of the bounds table
// (server-side dry run) on a real API server with the repository's CRDs:
// the verdict and the message are the ones TestAdmitEnforcesTheCRDBounds
// gets offline, and the CRDs with their CEL rules install at all.
func TestAPIServerEnforcesTheCRDBounds(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "bounds")
	for _, tc := range boundsCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: jsonCopy(t, tc.obj)}
			u.SetNamespace(ns)
			err := cp.Client.Create(context.Background(), u, client.DryRunAll)
			checkVerdict(t, err, tc.wantErr)
		})
	}
}

// TestObjectsStoredBeforeTheNameRulesCanStillBeUpdatedAndDeleted: a
// NatsCluster or NatsServiceRole whose name the new rules refuse, but that
// was stored before them and has a status and a finalizer, can still be
// updated (its finalizer removed) and so deleted: no finalizer hangs on a
// name the operator cannot use.
func TestObjectsStoredBeforeTheNameRulesCanStillBeUpdatedAndDeleted(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "legacy")
	for _, tc := range []struct {
		crd    string
		obj    map[string]any
		status map[string]any
	}{
		{"natsclusters.nats.io", cluster("a"+strings.Repeat("b", 60), nil),
			map[string]any{"conditions": []any{map[string]any{"type": "Irreconcilable", "status": "True", "message": "release name too long"}}}},
		{"natsserviceroles.nats.io", role(strings.Repeat("r", 100), nil),
			map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "False", "reason": "NoCluster", "message": "x", "lastTransitionTime": "2026-01-01T00:00:00Z"}}}},
	} {
		t.Run(tc.crd, func(t *testing.T) {
			ctx := context.Background()
			obj := &unstructured.Unstructured{Object: jsonCopy(t, tc.obj)}
			obj.SetNamespace(ns)
			obj.SetFinalizers([]string{"nats.io/test"})
			restore := withoutRootRules(t, tc.crd)
			testutil.Eventually(t, 30*time.Second, func(ctx context.Context) error {
				return cp.Client.Create(ctx, obj.DeepCopy())
			})
			if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
				t.Fatal(err)
			}
			obj.Object["status"] = jsonCopy(t, tc.status)
			if err := cp.Client.Status().Update(ctx, obj); err != nil {
				t.Fatal(err)
			}
			restore()
			refusedAgain(t, obj)

			if err := cp.Client.Delete(ctx, obj); err != nil {
				t.Fatal(err)
			}
			testutil.Eventually(t, 10*time.Second, func(ctx context.Context) error {
				if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
					return err
				}
				obj.SetFinalizers(nil)
				return cp.Client.Update(ctx, obj)
			})
			testutil.Eventually(t, 10*time.Second, func(ctx context.Context) error {
				err := cp.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
				if apierrors.IsNotFound(err) {
					return nil
				}
				return fmt.Errorf("still there: %v", err)
			})
		})
	}
}

// withoutRootRules removes the root CEL rules of a CRD, as it was before
// them, and returns the function that puts them back.
func withoutRootRules(t *testing.T, name string) (restore func()) {
	t.Helper()
	ctx := context.Background()
	crd := &unstructured.Unstructured{}
	crd.SetAPIVersion("apiextensions.k8s.io/v1")
	crd.SetKind("CustomResourceDefinition")
	if err := cp.Client.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
		t.Fatal(err)
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	original := runtime.DeepCopyJSONValue(versions).([]any)
	for _, v := range versions {
		unstructured.RemoveNestedField(v.(map[string]any), "schema", "openAPIV3Schema", "x-kubernetes-validations")
	}
	setVersions(t, crd, versions)
	restored := false
	restore = func() {
		if !restored {
			restored = true
			setVersions(t, crd, original)
		}
	}
	t.Cleanup(restore)
	return restore
}

func setVersions(t *testing.T, crd *unstructured.Unstructured, versions []any) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(crd), crd); err != nil {
			return err
		}
		if err := unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions"); err != nil {
			return err
		}
		return cp.Client.Update(ctx, crd)
	})
}

// refusedAgain waits until the API server serves the restored rules: a new
// object with the same kind of name is refused.
func refusedAgain(t *testing.T, stored *unstructured.Unstructured) {
	t.Helper()
	fresh := stored.DeepCopy()
	fresh.SetName(stored.GetName() + "x")
	fresh.SetResourceVersion("")
	fresh.SetFinalizers(nil)
	delete(fresh.Object, "status")
	testutil.Eventually(t, 30*time.Second, func(ctx context.Context) error {
		if err := cp.Client.Create(ctx, fresh.DeepCopy(), client.DryRunAll); err == nil {
			return fmt.Errorf("the name rule is not served yet")
		}
		return nil
	})
}

// TestANatsClusterWithoutSpecGetsTheDefaults: nats-operator accepted a
// NatsCluster with no spec at all as a cluster of the defaults. The API
// server stores it with spec {} and its defaults, so the Helm reconciler,
// which applies value overrides to the spec, has one to apply them to
// (without it every reconcile failed on "spec not found").
func TestANatsClusterWithoutSpecGetsTheDefaults(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "nospec")
	obj := cluster("bare", nil)
	delete(obj, "spec")
	u := &unstructured.Unstructured{Object: obj}
	u.SetNamespace(ns)
	if err := cp.Client.Create(context.Background(), u, client.DryRunAll); err != nil {
		t.Fatal(err)
	}
	size, found, err := unstructured.NestedInt64(u.Object, "spec", "size")
	if err != nil || !found || size != 3 {
		t.Errorf("stored spec %v: size %d (found %v, %v), want the default 3", u.Object["spec"], size, found, err)
	}
}

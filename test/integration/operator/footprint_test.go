package operator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestCacheHoldsOnlyManagedObjects: a thousand unrelated Secrets, other
// charts' release Secrets, unrelated ConfigMaps and the operator's own
// Helm release records never enter the operator's cache, so its memory
// does not grow with them; what the operator reads from the cache is there,
// and only that.
func TestCacheHoldsOnlyManagedObjects(t *testing.T) {
	testutil.Integration(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := cp.Namespace(t, "cache")
	for i := range 1000 {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%d", i), Namespace: ns}, StringData: map[string]string{"k": "v"}}
		if err := cp.Client.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		for _, obj := range []client.Object{
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sh.helm.release.v1.other.v%d", i+1), Namespace: ns,
				Labels: map[string]string{"owner": "helm", "name": "other"}}, Type: "helm.sh/release.v1"},
			&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%d", i), Namespace: ns}},
		} {
			if err := cp.Client.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
		}
	}
	nc := deployed(t, "cache-nats") // a managed cluster elsewhere, so the cache has something to hold
	scheme, err := operator.NewScheme()
	if err != nil {
		t.Fatal(err)
	}
	opts := operator.CacheOptions(nil)
	opts.Scheme = scheme
	c, err := cache.New(cp.Config, opts)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	var secrets corev1.SecretList
	if err := c.List(ctx, &secrets, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var cms corev1.ConfigMapList
	if err := c.List(ctx, &cms, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items)+len(cms.Items) != 0 {
		t.Errorf("cache holds %d unrelated Secrets and %d ConfigMaps", len(secrets.Items), len(cms.Items))
	}
	// Helm reads its release records itself; the config is the operator's.
	if err := c.List(ctx, &secrets, client.InNamespace(nc.Namespace)); err != nil {
		t.Fatal(err)
	}
	if err := c.List(ctx, &cms, client.InNamespace(nc.Namespace)); err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items) != 0 || len(cms.Items) != 1 {
		t.Errorf("cache holds %d release Secrets (want 0) and %d ConfigMaps (want 1)", len(secrets.Items), len(cms.Items))
	}
	var cached natsv1alpha2.NatsCluster
	if err := c.Get(ctx, client.ObjectKeyFromObject(nc), &cached); err != nil {
		t.Fatal(err)
	}
	if len(cached.ManagedFields) != 0 {
		t.Errorf("the cached NatsCluster keeps %d managedFields entries", len(cached.ManagedFields))
	}
	// The Helm reconciler's copy (its watch asks for unstructured objects)
	// keeps the metadata, with managedFields whose field sets are digests,
	// and a digest of the rest; the typed copies keep what the Go
	// controllers read.
	item := cachedForHelm(ctx, t, c, corev1.SchemeGroupVersion.WithKind("ConfigMap"), nc.Namespace+"/"+nc.Name+"-config")
	if _, isUnstructured := item.(*unstructured.Unstructured); isUnstructured {
		t.Errorf("the Helm reconciler's ConfigMap is cached whole, as %T", item)
	}
	raw, err := json.Marshal(item)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "nats.conf") {
		t.Errorf("the Helm reconciler's cached ConfigMap holds its data: %s", raw)
	}
	dependent, ok := item.(metav1.Object)
	if !ok || len(dependent.GetOwnerReferences()) == 0 || len(dependent.GetManagedFields()) == 0 || !strings.Contains(string(raw), `"contentDigest":"`) {
		t.Errorf("the Helm reconciler's cached ConfigMap lost what its watch reads: %s", raw)
	}
	for _, f := range dependent.GetManagedFields() {
		if f.FieldsV1 != nil && len(f.FieldsV1.Raw) != 66 { // a quoted hex SHA-256
			t.Errorf("managedFields entry of %s keeps its %d-byte field set", f.Manager, len(f.FieldsV1.Raw))
		}
	}
	if len(cms.Items) == 1 && len(cms.Items[0].ManagedFields) != 0 {
		t.Error("the typed ConfigMap keeps managedFields")
	}
	var sts appsv1.StatefulSet
	if err := c.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
		t.Fatal(err)
	}
	if len(sts.Spec.Template.Spec.Containers) != 0 || sts.Generation == 0 {
		t.Errorf("the typed StatefulSet keeps its pod template (%d containers) or lost its generation (%d)", len(sts.Spec.Template.Spec.Containers), sts.Generation)
	}
	// The Helm reconciler reads its NatsCluster from the API server; its
	// watch keeps the metadata its predicates read.
	primary := cachedForHelm(ctx, t, c, natsv1alpha2.NatsClusterGVK, nc.Namespace+"/"+nc.Name)
	if m, ok := primary.(*metav1.PartialObjectMetadata); !ok || m.Generation == 0 || m.Name != nc.Name {
		t.Errorf("the Helm reconciler's NatsCluster is cached as %T %+v, want its metadata only", primary, primary)
	}
	if cached.Spec.Size == nil {
		t.Error("the Go controllers' NatsCluster lost its spec")
	}
}

// cachedForHelm is the object under key in the informer of the Helm
// reconciler's watch of gvk (it asks for unstructured objects).
func cachedForHelm(ctx context.Context, t *testing.T, c cache.Cache, gvk schema.GroupVersionKind, key string) any {
	t.Helper()
	watch := &unstructured.Unstructured{}
	watch.SetGroupVersionKind(gvk)
	inf, err := c.GetInformer(ctx, watch)
	if err != nil {
		t.Fatal(err)
	}
	store, ok := inf.(interface{ GetStore() toolscache.Store })
	if !ok {
		t.Fatalf("the informer (%T) has no store", inf)
	}
	if !c.WaitForCacheSync(ctx) {
		t.Fatal("cache did not sync")
	}
	item, found, err := store.GetStore().GetByKey(key)
	if err != nil || !found {
		t.Fatalf("the Helm reconciler's %s %s is not cached: found %v, %v", gvk.Kind, key, found, err)
	}
	return item
}

// TestReleaseHistoryStaysSmall: after several upgrades a NatsCluster keeps
// at most two release Secrets, each far below the 1 MiB object limit.
func TestReleaseHistoryStaysSmall(t *testing.T) {
	nc := deployed(t, "history")
	key := client.ObjectKeyFromObject(nc)
	for size := int32(4); size <= 6; size++ {
		patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.Size = ptr.To(size) })
		testutil.Eventually(t, timeout, func(ctx context.Context) error {
			var sts appsv1.StatefulSet
			if err := cp.Client.Get(ctx, key, &sts); err != nil {
				return err
			}
			if ptr.Deref(sts.Spec.Replicas, 0) != size {
				return fmt.Errorf("replicas %d, want %d", ptr.Deref(sts.Spec.Replicas, 0), size)
			}
			return nil
		})
	}
	var secrets corev1.SecretList
	if err := cp.Client.List(context.Background(), &secrets, client.InNamespace(nc.Namespace), client.MatchingLabels{"owner": "helm"}); err != nil {
		t.Fatal(err)
	}
	if n := len(secrets.Items); n == 0 || n > operator.MaxReleaseHistory {
		t.Errorf("%d release Secrets, want 1..%d", n, operator.MaxReleaseHistory)
	}
	for _, s := range secrets.Items {
		size := 0
		for _, v := range s.Data {
			size += len(v)
		}
		if size > 100<<10 {
			t.Errorf("release Secret %s is %d bytes, want ≤ 100 KiB", s.Name, size)
		}
		if s.Labels[natsv1alpha2.LabelManagedBy] != natsv1alpha2.ManagedByValue {
			t.Errorf("release Secret %s lacks the managed-by label the cache filters on: %v", s.Name, s.Labels)
		}
	}
}

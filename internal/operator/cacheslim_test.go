package operator

import (
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	runtimeapi "k8s.io/apimachinery/pkg/runtime"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// releaseStatefulSet is a StatefulSet as the API server returns one the
// Helm reconciler created: labels, Helm's annotations, an owner, a
// managedFields entry with its field set, a pod template and a status.
func releaseStatefulSet(t testing.TB) *appsv1.StatefulSet {
	t.Helper()
	at := metav1.NewTime(time.Unix(1700000000, 0))
	return &appsv1.StatefulSet{
		TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "nats", Namespace: "team-a", UID: "sts-uid", ResourceVersion: "41", Generation: 2,
			Labels: map[string]string{"app.kubernetes.io/name": "nats", "app.kubernetes.io/managed-by": "nats-operator"},
			Annotations: map[string]string{"meta.helm.sh/release-name": "nats",
				"helm.sdk.operatorframework.io/primary-resource": "team-a/nats"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "nats.io/v1alpha2", Kind: "NatsCluster", Name: "nats",
				UID: "nc-uid", Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: helmFieldManager, Operation: metav1.ManagedFieldsOperationUpdate,
				APIVersion: "apps/v1", Time: &at, FieldsType: "FieldsV1",
				FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{}}}}}`)}}},
		},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To[int32](3), ServiceName: "nats-mgmt",
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nats", Image: "nats:2.15.2",
				Args: []string{"--config", "/etc/nats-config/nats.conf"}}}}}},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 2, Replicas: 3, ReadyReplicas: 2},
	}
}

// watched is the StatefulSet as the Helm reconciler's unstructured watch
// decodes it.
func watched(t testing.TB, sts *appsv1.StatefulSet) *unstructured.Unstructured {
	t.Helper()
	m, err := runtimeapi.DefaultUnstructuredConverter.ToUnstructured(sts)
	if err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

func cachedView(t testing.TB, sts *appsv1.StatefulSet) *unstructured.Unstructured {
	t.Helper()
	obj, err := slimManaged(watched(t, sts))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := obj.(*cachedDependent)
	if !ok {
		t.Fatalf("slimManaged cached a %T, want *cachedDependent", obj)
	}
	return d.Unstructured()
}

// dependentPredicateKeeps is helm-operator-plugins' dependent predicate
// (pkg/internal/predicate, which cannot be imported): an update counts
// unless old and new are equal without status, resourceVersion and the
// status subresource's managedFields.
func dependentPredicateKeeps(old, updated *unstructured.Unstructured) bool {
	strip := func(u *unstructured.Unstructured) map[string]any {
		c := u.DeepCopy()
		delete(c.Object, "status")
		c.SetResourceVersion("")
		var fields []metav1.ManagedFieldsEntry
		for _, f := range c.GetManagedFields() {
			if f.Subresource != "status" {
				fields = append(fields, f)
			}
		}
		c.SetManagedFields(fields)
		return c.Object
	}
	return !reflect.DeepEqual(strip(old), strip(updated))
}

func TestCachedDependentKeepsWhatTheWatchReads(t *testing.T) {
	sts := releaseStatefulSet(t)
	view := cachedView(t, sts)
	if view.GroupVersionKind() != appsv1.SchemeGroupVersion.WithKind("StatefulSet") ||
		view.GetName() != "nats" || view.GetNamespace() != "team-a" || view.GetUID() != "sts-uid" ||
		view.GetResourceVersion() != "41" || view.GetGeneration() != 2 {
		t.Errorf("identity lost: %v", view.Object)
	}
	if refs := view.GetOwnerReferences(); len(refs) != 1 || refs[0].UID != "nc-uid" || refs[0].Controller == nil || !*refs[0].Controller {
		t.Errorf("owner references %v, want the NatsCluster as controller", refs)
	}
	if got := view.GetAnnotations(); !reflect.DeepEqual(got, map[string]string{"helm.sdk.operatorframework.io/primary-resource": "team-a/nats"}) {
		t.Errorf("annotations %v, want only the owner annotation", got)
	}
	fields := view.GetManagedFields()
	if len(fields) != 1 || fields[0].Manager != helmFieldManager || fields[0].Time == nil || len(fields[0].FieldsV1.Raw) != 66 {
		t.Errorf("managedFields %v, want helm's entry with its time and a quoted SHA-256 for its field set", fields)
	}
	for _, dropped := range []string{"spec", "status"} {
		if _, ok := view.Object[dropped]; ok {
			t.Errorf("the view keeps %s", dropped)
		}
	}
	if view.GetLabels() != nil {
		t.Errorf("the view keeps labels %v", view.GetLabels())
	}
	if d, _ := view.Object[contentDigestKey].(string); len(d) != 64 {
		t.Errorf("content digest %q, want a hex SHA-256", d)
	}
}

func TestCachedDependentTellsContentFromStatus(t *testing.T) {
	before := releaseStatefulSet(t)
	tests := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   bool
	}{
		{"status only", func(s *appsv1.StatefulSet) { s.ResourceVersion = "42"; s.Status.ReadyReplicas = 3 }, false},
		{"spec", func(s *appsv1.StatefulSet) {
			s.ResourceVersion = "42"
			s.Spec.Template.Spec.Containers[0].Image = "evil"
		}, true},
		{"owner gone", func(s *appsv1.StatefulSet) { s.ResourceVersion = "42"; s.OwnerReferences = nil }, true},
		{"deletion", func(s *appsv1.StatefulSet) { s.ResourceVersion = "42"; s.DeletionTimestamp = ptr.To(metav1.Now()) }, true},
		{"someone's managedFields entry", func(s *appsv1.StatefulSet) {
			s.ResourceVersion = "42"
			s.ManagedFields = append(s.ManagedFields, metav1.ManagedFieldsEntry{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate})
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			after := before.DeepCopy()
			tt.mutate(after)
			if got := dependentPredicateKeeps(cachedView(t, before), cachedView(t, after)); got != tt.want {
				t.Errorf("the dependent predicate keeps the update: %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSlimManagedIsIdempotentAndCopiesDeep(t *testing.T) {
	obj, _ := slimManaged(watched(t, releaseStatefulSet(t)))
	again, _ := slimManaged(obj)
	if again != obj {
		t.Error("a second transform of a cached dependent changed it")
	}
	d := obj.(*cachedDependent)
	c := d.DeepCopyObject().(*cachedDependent)
	c.OwnerReferences[0].Name = "other"
	c.ManagedFields[0].Manager = "other"
	if d.OwnerReferences[0].Name != "nats" || d.ManagedFields[0].Manager != helmFieldManager || c.ContentDigest != d.ContentDigest {
		t.Error("DeepCopyObject shares owner references or managedFields with the cached object")
	}
}

func TestTypedStatefulSetKeepsWhatReadyReads(t *testing.T) {
	obj, _ := slimManaged(releaseStatefulSet(t))
	sts := obj.(*appsv1.StatefulSet)
	if sts.Generation != 2 || sts.Status.ReadyReplicas != 2 || sts.Status.ObservedGeneration != 2 || len(sts.OwnerReferences) != 1 {
		t.Errorf("the typed StatefulSet lost what Ready reads: %+v", sts)
	}
	if len(sts.Spec.Template.Spec.Containers) != 0 || sts.Spec.Replicas != nil || sts.Labels != nil || sts.ManagedFields != nil {
		t.Errorf("the typed StatefulSet keeps spec, labels or managedFields: %+v", sts)
	}
}

// recordingHandler keeps the types of the objects it was handed.
type recordingHandler struct{ got []string }

func (r *recordingHandler) OnAdd(obj any, _ bool) {
	r.got = append(r.got, reflect.TypeOf(obj).String())
}
func (r *recordingHandler) OnUpdate(o, n any) {
	r.got = append(r.got, reflect.TypeOf(o).String(), reflect.TypeOf(n).String())
}
func (r *recordingHandler) OnDelete(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		r.got = append(r.got, "tombstone of "+reflect.TypeOf(tomb.Obj).String())
		return
	}
	r.got = append(r.got, reflect.TypeOf(obj).String())
}

func TestDependentEventsReachHelmAsUnstructured(t *testing.T) {
	cached, _ := slimManaged(watched(t, releaseStatefulSet(t)))
	next := &recordingHandler{}
	h := filteredInformer{keep: eventFilter{}, view: dependentView}.handler(next)
	h.OnAdd(cached, true)
	h.OnUpdate(cached, cached)
	h.OnDelete(cached)
	h.OnDelete(toolscache.DeletedFinalStateUnknown{Key: "team-a/nats", Obj: cached})
	want := "*unstructured.Unstructured *unstructured.Unstructured *unstructured.Unstructured *unstructured.Unstructured tombstone of *unstructured.Unstructured"
	if got := strings.Join(next.got, " "); got != want {
		t.Errorf("handed %s, want %s", got, want)
	}
}

// BenchmarkCachedDependent reports the heap each cached copy of a release's
// StatefulSet holds, as the Helm reconciler's watch caches it: one such copy
// per object per cluster is what the operator's memory grows with.
func BenchmarkCachedDependent(b *testing.B) {
	sts := releaseStatefulSet(b)
	raw := watched(b, sts)
	for _, c := range []struct {
		name  string
		cache func() any
	}{
		{"unstructured", func() any { return raw.DeepCopy() }},
		{"cached", func() any { obj, _ := slimManaged(raw.DeepCopy()); return obj }},
	} {
		b.Run(c.name, func(b *testing.B) {
			const n = 1000
			for b.Loop() {
				b.StopTimer()
				kept := make([]any, n)
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.StartTimer()
				for i := range kept {
					kept[i] = c.cache()
				}
				b.StopTimer()
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(kept)
				b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "heap-B/object")
				b.StartTimer()
			}
		})
	}
}

func TestSlimPrimaryKeepsWhatTheHelmWatchReads(t *testing.T) {
	deleted := metav1.NewTime(time.Unix(1700000100, 0))
	nc := &natsv1alpha2.NatsCluster{
		TypeMeta: metav1.TypeMeta{APIVersion: "nats.io/v1alpha2", Kind: "NatsCluster"},
		ObjectMeta: metav1.ObjectMeta{Name: "nats", Namespace: "team-a", UID: "nc-uid", ResourceVersion: "7", Generation: 3,
			Labels: map[string]string{"tier": "gold"}, Annotations: map[string]string{"helm.sdk.operatorframework.io/upgrade-force": "true"},
			DeletionTimestamp: &deleted, Finalizers: []string{"uninstall-helm-release"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}},
		Spec: natsv1alpha2.ClusterSpec{Size: ptr.To[int32](3)},
	}
	m, err := runtimeapi.DefaultUnstructuredConverter.ToUnstructured(nc)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := slimPrimary(&unstructured.Unstructured{Object: m})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		t.Fatalf("the Helm reconciler's NatsCluster is cached as %T, want metadata only", obj)
	}
	want := nc.ObjectMeta.DeepCopy()
	want.ManagedFields = nil
	if got.GroupVersionKind() != natsv1alpha2.NatsClusterGVK || !equality.Semantic.DeepEqual(got.ObjectMeta, *want) {
		t.Errorf("cached %+v, want the metadata but managedFields %+v", got, want)
	}

	typed, _ := slimPrimary(nc.DeepCopy())
	if tc := typed.(*natsv1alpha2.NatsCluster); tc.ManagedFields != nil || tc.Spec.Size == nil || *tc.Spec.Size != 3 {
		t.Errorf("the Go controllers' NatsCluster lost its spec or keeps managedFields: %+v", tc)
	}
}

package operator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// contentDigestKey is the top-level key under which the Helm reconciler's
// view of a dependent (cachedDependent.Unstructured) carries the digest of
// everything but its metadata and status. It exists only in events: cached
// objects are never written back.
const contentDigestKey = "contentDigest"

// slimManaged is the cache transform of the objects a release renders:
// each is cached twice, as a cachedDependent for the Helm reconciler's
// watches (which ask for unstructured objects) and (StatefulSets) typed
// for the Ready controller, and neither reads more than a sliver of it. What is cached per cluster is what the
// operator's memory grows with, so each copy keeps only what its reader
// uses.
func slimManaged(obj any) (any, error) {
	switch o := obj.(type) {
	case *unstructured.Unstructured:
		return newCachedDependent(o), nil
	case *cachedDependent:
		// client-go may hand a transform what it already transformed.
		return o, nil
	case *appsv1.StatefulSet:
		// The Ready controller reads the identity, the owner, the generation
		// and the status.
		return &appsv1.StatefulSet{TypeMeta: o.TypeMeta, ObjectMeta: keptObjectMeta(o.ObjectMeta), Status: o.Status}, nil
	case metav1.Object:
		o.SetManagedFields(nil)
		return o, nil
	}
	return obj, nil
}

// slimPrimary is the cache transform of NatsClusters. The Go controllers
// read the typed copy whole but its managedFields. The Helm reconciler
// reads its CR from the API server (controller-runtime's client does not
// cache unstructured reads) and watches it as unstructured only for events:
// its handler and predicates read the identity, generation, labels,
// annotations and deletion (specOrMetadataChanged, helmevents.go), so that
// copy is metadata only.
func slimPrimary(obj any) (any, error) {
	switch o := obj.(type) {
	case *unstructured.Unstructured:
		return &metav1.PartialObjectMetadata{
			TypeMeta: metav1.TypeMeta{APIVersion: o.GetAPIVersion(), Kind: o.GetKind()},
			ObjectMeta: metav1.ObjectMeta{Name: o.GetName(), Namespace: o.GetNamespace(), UID: o.GetUID(),
				ResourceVersion: o.GetResourceVersion(), Generation: o.GetGeneration(), CreationTimestamp: o.GetCreationTimestamp(),
				Labels: o.GetLabels(), Annotations: o.GetAnnotations(), DeletionTimestamp: o.GetDeletionTimestamp(),
				Finalizers: o.GetFinalizers()},
		}, nil
	case metav1.Object:
		o.SetManagedFields(nil)
		return o, nil
	}
	return obj, nil
}

// cachedDependent is what the cache keeps of an object the Helm reconciler
// watches: the metadata its event handling reads (owner references and
// owner annotations map an event to its NatsCluster; managedFields tell
// the Helm reconciler's own writes from drift, helmevents.go) and a digest
// of everything else but the status, which helm-operator-plugins'
// dependent predicate compares between the old and the new object. The
// field sets of managedFields are replaced by their digests: changedByOthers
// only compares them.
//
// It is typed rather than unstructured because the same fields as nested
// maps took 2.5 KB per object against about 1 KB (docs/benchmarks.md,
// "Memory"), and it is cached for every object of every cluster. helm-operator-plugins' handlers take unstructured objects,
// so the informer hands them Unstructured() (helmevents.go); reading an
// unstructured dependent from the cache is an error ("cache had type").
type cachedDependent struct {
	// Type is a field, not embedded, so that controller-gen does not take
	// cachedDependent for an API kind.
	Type              metav1.TypeMeta `json:"type"`
	metav1.ObjectMeta `json:"metadata"`
	ContentDigest     string `json:"contentDigest"`
}

func newCachedDependent(u *unstructured.Unstructured) *cachedDependent {
	rest := make(map[string]any, len(u.Object))
	for k, v := range u.Object {
		if k != "metadata" && k != "status" && k != "apiVersion" && k != "kind" {
			rest[k] = v
		}
	}
	d := &cachedDependent{
		Type: metav1.TypeMeta{APIVersion: u.GetAPIVersion(), Kind: u.GetKind()},
		ObjectMeta: keptObjectMeta(metav1.ObjectMeta{
			Name: u.GetName(), Namespace: u.GetNamespace(), UID: u.GetUID(), ResourceVersion: u.GetResourceVersion(),
			Generation: u.GetGeneration(), OwnerReferences: u.GetOwnerReferences(), DeletionTimestamp: u.GetDeletionTimestamp(),
			Finalizers: u.GetFinalizers(), Annotations: u.GetAnnotations(),
		}),
		ContentDigest: digestOf(rest),
	}
	d.ManagedFields = u.GetManagedFields()
	for i, f := range d.ManagedFields {
		if f.FieldsV1 != nil {
			// Still JSON, as unstructured objects need: a string.
			sum := sha256.Sum256(f.FieldsV1.Raw)
			d.ManagedFields[i].FieldsV1 = &metav1.FieldsV1{Raw: []byte(`"` + hex.EncodeToString(sum[:]) + `"`)}
		}
	}
	return d
}

// keptObjectMeta is the metadata a watch of the release's objects reads,
// managedFields aside: identity, owner (references, or
// helm-operator-plugins' owner annotations), generation and deletion.
// Labels and other annotations are left out: a change of them by anyone
// else shows in managedFields, and the Helm reconciler's own is no news.
func keptObjectMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	var owners map[string]string
	for k, v := range m.Annotations {
		for _, prefix := range ownerAnnotationPrefixes {
			if strings.HasPrefix(k, prefix) {
				if owners == nil {
					owners = map[string]string{}
				}
				owners[k] = v
			}
		}
	}
	return metav1.ObjectMeta{Name: m.Name, Namespace: m.Namespace, UID: m.UID, ResourceVersion: m.ResourceVersion,
		Generation: m.Generation, OwnerReferences: m.OwnerReferences, DeletionTimestamp: m.DeletionTimestamp,
		Finalizers: m.Finalizers, Annotations: owners}
}

// ownerAnnotationPrefixes are the annotations by which helm-operator-plugins
// maps an object without owner references to its custom resource.
var ownerAnnotationPrefixes = []string{"operator-sdk/", "helm.sdk.operatorframework.io/"}

// Unstructured is the dependent as helm-operator-plugins' handlers and
// predicate take it: its metadata and the content digest. Equal
// cachedDependents give equal objects, so the predicate's comparison still
// tells a change of content from a change of status alone.
func (d *cachedDependent) Unstructured() *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{contentDigestKey: d.ContentDigest}}
	u.SetAPIVersion(d.Type.APIVersion)
	u.SetKind(d.Type.Kind)
	u.SetName(d.Name)
	u.SetNamespace(d.Namespace)
	u.SetUID(d.UID)
	u.SetResourceVersion(d.ResourceVersion)
	u.SetGeneration(d.Generation)
	u.SetOwnerReferences(d.OwnerReferences)
	u.SetDeletionTimestamp(d.DeletionTimestamp)
	u.SetFinalizers(d.Finalizers)
	u.SetAnnotations(d.Annotations)
	u.SetManagedFields(d.ManagedFields)
	return u
}

// GetObjectKind and DeepCopyObject make cachedDependent a runtime.Object,
// which the cache stores.
func (d *cachedDependent) GetObjectKind() schema.ObjectKind { return &d.Type }

func (d *cachedDependent) DeepCopyObject() runtime.Object {
	meta := &d.ObjectMeta
	return &cachedDependent{Type: d.Type, ObjectMeta: *meta.DeepCopy(), ContentDigest: d.ContentDigest}
}

// digestOf is a SHA-256 of v's JSON (encoding/json sorts map keys, so equal
// content gives equal digests); an object that does not encode gets a
// digest of nothing, which only costs a spare reconcile.
func digestOf(v map[string]any) string {
	raw, _ := json.Marshal(v)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

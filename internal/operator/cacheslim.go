package operator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// contentDigestKey is the top-level key under which a slimmed dependent
// keeps the digest of what was dropped from it. It exists only in the
// cache: cached objects are never written back.
const contentDigestKey = "contentDigest"

// slimManaged is the cache transform of the objects a release renders:
// each is cached twice, as unstructured for the Helm reconciler's watches
// and (StatefulSets) typed for the Ready controller, and neither reads
// more than a sliver of it. What is cached per cluster is what the
// operator's memory grows with, so each copy keeps only what its reader
// uses.
func slimManaged(obj any) (any, error) {
	switch o := obj.(type) {
	case *unstructured.Unstructured:
		return slimDependent(o), nil
	case *appsv1.StatefulSet:
		// The Ready controller reads the generation and the status.
		o.ManagedFields = nil
		o.Spec.Template = corev1.PodTemplateSpec{}
		o.Spec.VolumeClaimTemplates = nil
		return o, nil
	case metav1.Object:
		o.SetManagedFields(nil)
		return o, nil
	}
	return obj, nil
}

// slimDependent keeps of an object the Helm reconciler watches what its
// event handling reads: the metadata (owner references and annotations
// map an event to its NatsCluster; managedFields tell the Helm
// reconciler's own writes from drift, helmevents.go) and, for
// helm-operator-plugins' dependent predicate, which compares the old and
// new object without status, a digest of everything else. The field sets
// of managedFields are replaced by their digests too: changedByOthers only
// compares them.
func slimDependent(u *unstructured.Unstructured) *unstructured.Unstructured {
	meta := slimMetadata(u.Object["metadata"])
	rest := make(map[string]any, len(u.Object))
	for k, v := range u.Object {
		if k != "metadata" && k != "status" && k != "apiVersion" && k != "kind" {
			rest[k] = v
		}
	}
	slim := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": u.GetAPIVersion(), "kind": u.GetKind(), "metadata": meta,
		contentDigestKey: digestOf(rest),
	}}
	if fields := u.GetManagedFields(); len(fields) > 0 {
		for i := range fields {
			if fields[i].FieldsV1 != nil {
				// Still JSON, as unstructured objects need: a string.
				sum := sha256.Sum256(fields[i].FieldsV1.Raw)
				fields[i].FieldsV1 = &metav1.FieldsV1{Raw: []byte(`"` + hex.EncodeToString(sum[:]) + `"`)}
			}
		}
		slim.SetManagedFields(fields)
	}
	return slim
}

// keptMetadata are the metadata fields a dependent's watch reads: its
// identity, its owner (references, or helm-operator-plugins' owner
// annotations), deletion, and the managedFields of changedByOthers. Labels
// and other annotations are left out: a change of them by anyone else shows
// in managedFields, and the Helm reconciler's own is no news.
var keptMetadata = []string{"name", "namespace", "uid", "resourceVersion", "generation", "ownerReferences",
	"deletionTimestamp", "finalizers", "managedFields"}

// ownerAnnotationPrefixes are the annotations by which helm-operator-plugins
// maps an object without owner references to its custom resource.
var ownerAnnotationPrefixes = []string{"operator-sdk/", "helm.sdk.operatorframework.io/"}

func slimMetadata(v any) map[string]any {
	meta, _ := v.(map[string]any)
	out := make(map[string]any, len(keptMetadata)+1)
	for _, k := range keptMetadata {
		if x, ok := meta[k]; ok {
			out[k] = x
		}
	}
	annotations, _ := meta["annotations"].(map[string]any)
	for k, x := range annotations {
		for _, prefix := range ownerAnnotationPrefixes {
			if strings.HasPrefix(k, prefix) {
				kept, _ := out["annotations"].(map[string]any)
				if kept == nil {
					kept = map[string]any{}
					out["annotations"] = kept
				}
				kept[k] = x
			}
		}
	}
	return out
}

// digestOf is a SHA-256 of v's JSON (encoding/json sorts map keys, so equal
// content gives equal digests); an object that does not encode gets a
// digest of nothing, which only costs a spare reconcile.
func digestOf(v map[string]any) string {
	raw, _ := json.Marshal(v)
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

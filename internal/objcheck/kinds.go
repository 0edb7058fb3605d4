package objcheck

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// requestNamespace stands in for the namespace Helm and the API server give
// an object rendered without one.
const requestNamespace = "default"

// check runs the kind's own validation and then, as the API server's
// rest.BeforeCreate does only when that passed, the common metadata check.
func check(obj *unstructured.Unstructured, typed runtime.Object) (admission, pods field.ErrorList) {
	switch o := typed.(type) {
	case *appsv1.StatefulSet:
		withNamespace(&o.ObjectMeta)
		admission, pods = statefulSet(o)
	case *corev1.Service:
		withNamespace(&o.ObjectMeta)
		admission = service(o)
	case *corev1.ConfigMap:
		withNamespace(&o.ObjectMeta)
		admission = configMap(o)
	case *policyv1.PodDisruptionBudget:
		admission = podDisruptionBudget(o)
	}
	if len(admission) == 0 {
		meta := obj.DeepCopy()
		if meta.GetNamespace() == "" {
			meta.SetNamespace(requestNamespace)
		}
		admission = apimachineryvalidation.ValidateObjectMetaAccessor(meta, true, path.ValidatePathSegmentName, field.NewPath("metadata"))
	}
	return admission, pods
}

func withNamespace(meta *metav1.ObjectMeta) {
	if meta.Namespace == "" {
		meta.Namespace = requestNamespace
	}
}

// objectMeta is ValidateObjectMeta of a namespaced kind with its name rule.
func objectMeta(meta *metav1.ObjectMeta, name apimachineryvalidation.ValidateNameFunc) field.ErrorList {
	return apimachineryvalidation.ValidateObjectMeta(meta, true, name, field.NewPath("metadata"))
}

package objcheck

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource names as k8s.io/kubernetes pkg/apis/core/helper knows them.
var (
	standardResources = sets.New("cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
		"requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas",
		"services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage",
		"requests.storage", "services.nodeports", "services.loadbalancers")
	containerResources = sets.New("cpu", "memory", "ephemeral-storage")
	integerResources   = sets.New("pods", "resourcequotas", "services", "replicationcontrollers", "secrets",
		"configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers")
)

const hugePagesPrefix = "hugepages-"

// resourceRequirements is ValidateContainerResourceRequirements: known
// resource names, quantities not negative (whole numbers for extended
// resources, whole pages for huge pages) and requests within limits.
func resourceRequirements(r *corev1.ResourceRequirements, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	limPath, reqPath := fld.Child("limits"), fld.Child("requests")
	cpuOrMemory, hugePages := false, false
	for name, q := range r.Limits {
		errs = append(errs, resourceQuantity(string(name), q, limPath.Key(string(name)))...)
		cpuOrMemory = cpuOrMemory || name == corev1.ResourceCPU || name == corev1.ResourceMemory
		hugePages = hugePages || strings.HasPrefix(string(name), hugePagesPrefix)
	}
	for name, q := range r.Requests {
		errs = append(errs, resourceQuantity(string(name), q, reqPath.Key(string(name)))...)
		cpuOrMemory = cpuOrMemory || name == corev1.ResourceCPU || name == corev1.ResourceMemory
		hugePages = hugePages || strings.HasPrefix(string(name), hugePagesPrefix)
		limit, ok := r.Limits[name]
		switch {
		case ok && q.Cmp(limit) != 0 && !overcommitAllowed(string(name)):
			errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		case ok && q.Cmp(limit) > 0:
			errs = append(errs, field.Invalid(reqPath, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		case !ok && !overcommitAllowed(string(name)):
			errs = append(errs, field.Required(limPath, "Limit must be set for non overcommitable resources"))
		}
	}
	if hugePages && !cpuOrMemory {
		errs = append(errs, field.Forbidden(fld, "HugePages require cpu or memory"))
	}
	for i, c := range r.Claims {
		errs = append(errs, &field.Error{Type: field.ErrorTypeNotFound, Field: fld.Child("claims").Index(i).String(), BadValue: c.Name,
			Detail: "must be one of the names in pod.spec.resourceClaims which is empty"})
	}
	return errs
}

func resourceQuantity(name string, q resource.Quantity, fld *field.Path) field.ErrorList {
	errs := containerResourceName(name, fld)
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(fld, q.String(), "must be greater than or equal to 0"))
	}
	if (integerResources.Has(name) || extendedResource(name)) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(fld, q, "must be an integer"))
	}
	if strings.HasPrefix(name, hugePagesPrefix) && !wholePages(name, q) {
		errs = append(errs, field.Invalid(fld, q.String(), fmt.Sprintf("%s is not positive integer multiple of %s", q.String(), name)))
	}
	return errs
}

// wholePages is IsHugePageResourceValueDivisible.
func wholePages(name string, q resource.Quantity) bool {
	page, err := resource.ParseQuantity(strings.TrimPrefix(name, hugePagesPrefix))
	if err != nil || page.Sign() <= 0 || page.MilliValue()%1000 != 0 {
		return false
	}
	return q.Value()%page.Value() == 0
}

// containerResourceName is validateContainerResourceName.
func containerResourceName(name string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(name) {
		errs = append(errs, field.Invalid(fld, name, msg))
	}
	if len(errs) == 0 && !strings.Contains(name, "/") && !standardResources.Has(name) && !strings.HasPrefix(name, hugePagesPrefix) && !strings.HasPrefix(name, "requests."+hugePagesPrefix) {
		errs = append(errs, field.Invalid(fld, name, "must be a standard resource type or fully qualified"))
	}
	if !strings.Contains(name, "/") {
		if !containerResources.Has(name) && !strings.HasPrefix(name, hugePagesPrefix) {
			errs = append(errs, field.Invalid(fld, name, "must be a standard resource for containers"))
		}
	} else if !nativeResource(name) && !extendedResource(name) {
		errs = append(errs, field.Invalid(fld, name, "doesn't follow extended resource name standard"))
	}
	return errs
}

func nativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, "kubernetes.io/")
}

func extendedResource(name string) bool {
	if nativeResource(name) || strings.HasPrefix(name, "requests.") {
		return false
	}
	return len(validation.IsQualifiedName("requests."+name)) == 0
}

func overcommitAllowed(name string) bool {
	return nativeResource(name) && !strings.HasPrefix(name, hugePagesPrefix)
}

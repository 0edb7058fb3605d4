package objcheck

import (
	policyv1 "k8s.io/api/policy/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var unhealthyPodEvictionPolicies = []string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}

// podDisruptionBudget is ValidatePodDisruptionBudget: only the spec; the
// metadata gets the common check afterwards.
func podDisruptionBudget(p *policyv1.PodDisruptionBudget) field.ErrorList {
	var errs field.ErrorList
	spec := field.NewPath("spec")
	if p.Spec.MinAvailable != nil && p.Spec.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(spec, p.Spec, "minAvailable and maxUnavailable cannot be both set"))
	}
	if p.Spec.MinAvailable != nil {
		errs = append(errs, positiveIntOrPercent(*p.Spec.MinAvailable, spec.Child("minAvailable"))...)
	}
	if p.Spec.MaxUnavailable != nil {
		errs = append(errs, positiveIntOrPercent(*p.Spec.MaxUnavailable, spec.Child("maxUnavailable"))...)
	}
	errs = append(errs, metav1validation.ValidateLabelSelector(p.Spec.Selector, metav1validation.LabelSelectorValidationOptions{}, spec.Child("selector"))...)
	if pol := p.Spec.UnhealthyPodEvictionPolicy; pol != nil {
		switch *pol {
		case policyv1.AlwaysAllow, policyv1.IfHealthyBudget:
		default:
			errs = append(errs, field.NotSupported(spec.Child("unhealthyPodEvictionPolicy"), *pol, unhealthyPodEvictionPolicies))
		}
	}
	return errs
}

package objcheck

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxStatefulSetName leaves room for the controller-revision-hash label
// <name>-<hash>: the hash has up to 10 characters and a label value at most
// 63, so a longer StatefulSet is admitted but its revisions and pods are not.
const maxStatefulSetName = validation.LabelValueMaxLength - 11

// statefulSet is apps ValidateStatefulSet on create, after v1 defaulting.
func statefulSet(s *appsv1.StatefulSet) (admission, pods field.ErrorList) {
	admission = objectMeta(&s.ObjectMeta, apimachineryvalidation.NameIsDNSLabel)
	admission = append(admission, statefulSetSpec(&s.Spec, field.NewPath("spec"))...)
	return admission, statefulSetPods(s)
}

func statefulSetSpec(spec *appsv1.StatefulSetSpec, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch spec.PodManagementPolicy {
	case "", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement: // "" defaults to OrderedReady
	default:
		errs = append(errs, field.Invalid(fld.Child("podManagementPolicy"), spec.PodManagementPolicy,
			fmt.Sprintf("must be '%s' or '%s'", appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement)))
	}
	errs = append(errs, updateStrategy(&spec.UpdateStrategy, fld.Child("updateStrategy"))...)
	errs = append(errs, retentionPolicy(spec.PersistentVolumeClaimRetentionPolicy, fld.Child("persistentVolumeClaimRetentionPolicy"))...)
	for i := range spec.VolumeClaimTemplates {
		errs = append(errs, claimSpec(&spec.VolumeClaimTemplates[i].Spec, fld.Child("volumeClaimTemplates").Index(i).Child("spec"))...)
	}
	if spec.Replicas != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(*spec.Replicas), fld.Child("replicas"))...)
	}
	errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(spec.MinReadySeconds), fld.Child("minReadySeconds"))...)
	if spec.Ordinals != nil {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(spec.Ordinals.Start), fld.Child("ordinals.start"))...)
	}
	if spec.ServiceName != "" {
		errs = append(errs, dns1123Label(spec.ServiceName, fld.Child("serviceName"))...)
	}
	if spec.Selector == nil {
		errs = append(errs, field.Required(fld.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(spec.Selector, metav1validation.LabelSelectorValidationOptions{}, fld.Child("selector"))...)
		if len(spec.Selector.MatchLabels)+len(spec.Selector.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(fld.Child("selector"), spec.Selector, "empty selector is invalid for statefulset"))
		}
	}
	selector, err := metav1.LabelSelectorAsSelector(spec.Selector)
	if err != nil {
		errs = append(errs, field.Invalid(fld.Child("selector"), spec.Selector, ""))
	} else {
		errs = append(errs, statefulSetTemplate(spec, selector, fld.Child("template"))...)
	}
	if rp := spec.Template.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(fld.Child("template", "spec", "restartPolicy"), rp, []string{string(corev1.RestartPolicyAlways)}))
	}
	if spec.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(fld.Child("template", "spec", "activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported"))
	}
	return errs
}

// statefulSetTemplate validates the template as the controller will use it:
// hostname and subdomain are its to set, and every claim template is a
// volume of the pod.
func statefulSetTemplate(spec *appsv1.StatefulSetSpec, selector labels.Selector, fld *field.Path) field.ErrorList {
	tpl := spec.Template.DeepCopy()
	tpl.Spec.Hostname, tpl.Spec.Subdomain = "", ""
	if len(spec.VolumeClaimTemplates) > 0 {
		claims := map[string]bool{}
		var volumes []corev1.Volume
		for _, c := range spec.VolumeClaimTemplates {
			claims[c.Name] = true
			volumes = append(volumes, corev1.Volume{Name: c.Name, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c.Name},
			}})
		}
		for _, v := range tpl.Spec.Volumes {
			if !claims[v.Name] {
				volumes = append(volumes, v)
			}
		}
		tpl.Spec.Volumes = volumes
	}
	var errs field.ErrorList
	if !selector.Empty() && !selector.Matches(labels.Set(tpl.Labels)) {
		errs = append(errs, field.Invalid(fld.Child("metadata", "labels"), tpl.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, podTemplateSpec(tpl, fld)...)
	errs = append(errs, metav1validation.ValidateLabels(tpl.Labels, fld.Child("labels"))...)
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(tpl.Annotations, fld.Child("annotations"))...)
	return errs
}

func updateStrategy(s *appsv1.StatefulSetUpdateStrategy, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.Type {
	case "", appsv1.RollingUpdateStatefulSetStrategyType: // "" defaults to RollingUpdate
		if ru := s.RollingUpdate; ru != nil {
			ruPath := fld.Child("rollingUpdate")
			if ru.Partition != nil {
				errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(*ru.Partition), ruPath.Child("partition"))...)
			}
			// maxUnavailable is dropped: its feature gate (MaxUnavailableStatefulSet) is off by default.
		}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if s.RollingUpdate != nil {
			errs = append(errs, field.Invalid(fld.Child("rollingUpdate"), s.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType)))
		}
	default:
		errs = append(errs, field.Invalid(fld, *s, fmt.Sprintf("must be '%s' or '%s'",
			appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType)))
	}
	return errs
}

func retentionPolicy(p *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy, fld *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	var errs field.ErrorList
	for name, v := range map[string]appsv1.PersistentVolumeClaimRetentionPolicyType{"whenDeleted": p.WhenDeleted, "whenScaled": p.WhenScaled} {
		switch v {
		case "", appsv1.RetainPersistentVolumeClaimRetentionPolicyType, appsv1.DeletePersistentVolumeClaimRetentionPolicyType:
		default:
			errs = append(errs, field.NotSupported(fld.Child(name), v, []string{
				string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType), string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType)}))
		}
	}
	return errs
}

// statefulSetPods is what the API server refuses later, in the revisions
// and pods the StatefulSet controller creates.
func statefulSetPods(s *appsv1.StatefulSet) field.ErrorList {
	var errs field.ErrorList
	if len(s.Name) > maxStatefulSetName {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), s.Name, fmt.Sprintf(
			"must be no more than %d characters: the StatefulSet controller labels its revisions and pods "+
				"controller-revision-hash=<name>-<hash of up to 10 characters>, a label value of at most %d characters",
			maxStatefulSetName, validation.LabelValueMaxLength)))
	} else if replicas := replicasOf(s); replicas > 0 {
		start := int32(0)
		if s.Spec.Ordinals != nil {
			start = s.Spec.Ordinals.Start
		}
		pod := s.Name + "-" + strconv.Itoa(int(start+replicas-1))
		for _, msg := range validation.IsDNS1123Label(pod) {
			errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), s.Name, "pod hostname "+pod+": "+msg))
		}
	}
	spec := field.NewPath("spec", "template", "spec")
	errs = append(errs, imagesForPods(s.Spec.Template.Spec.Containers, spec.Child("containers"))...)
	errs = append(errs, imagesForPods(s.Spec.Template.Spec.InitContainers, spec.Child("initContainers"))...)
	return errs
}

func replicasOf(s *appsv1.StatefulSet) int32 {
	if s.Spec.Replicas == nil {
		return 1
	}
	return *s.Spec.Replicas
}

package objcheck

import (
	"path"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// podTemplateSpec is ValidatePodTemplateSpec: labels, annotations and the
// parts of ValidatePodSpec that concern what a pod template of the chart
// holds.
func podTemplateSpec(tpl *corev1.PodTemplateSpec, fld *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabels(tpl.Labels, fld.Child("labels"))
	errs = append(errs, apimachineryvalidation.ValidateAnnotations(tpl.Annotations, fld.Child("annotations"))...)
	errs = append(errs, podSpec(&tpl.Spec, fld.Child("spec"))...)
	if len(tpl.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(fld.Child("spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
	}
	return errs
}

func podSpec(spec *corev1.PodSpec, fld *field.Path) field.ErrorList {
	volumes, errs := podVolumes(spec.Volumes, fld.Child("volumes"))
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if spec.TerminationGracePeriodSeconds != nil {
		grace = *spec.TerminationGracePeriodSeconds
	}
	errs = append(errs, containers(spec.Containers, volumes, grace, fld.Child("containers"))...)
	errs = append(errs, initContainers(spec.InitContainers, spec.Containers, volumes, fld.Child("initContainers"))...)
	errs = append(errs, restartPolicy(spec.RestartPolicy, fld.Child("restartPolicy"))...)
	errs = append(errs, metav1validation.ValidateLabels(spec.NodeSelector, fld.Child("nodeSelector"))...)
	errs = append(errs, podSecurityContext(spec.SecurityContext, fld.Child("securityContext"))...)
	errs = append(errs, affinity(spec.Affinity, fld.Child("affinity"))...)
	if spec.ServiceAccountName != "" {
		for _, msg := range apimachineryvalidation.ValidateServiceAccountName(spec.ServiceAccountName, false) {
			errs = append(errs, field.Invalid(fld.Child("serviceAccountName"), spec.ServiceAccountName, msg))
		}
	}
	if spec.Hostname != "" {
		errs = append(errs, dns1123Label(spec.Hostname, fld.Child("hostname"))...)
	}
	if spec.Subdomain != "" {
		errs = append(errs, dns1123Label(spec.Subdomain, fld.Child("subdomain"))...)
	}
	errs = append(errs, tolerations(spec.Tolerations, fld.Child("tolerations"))...)
	return errs
}

var restartPolicies = []string{string(corev1.RestartPolicyAlways), string(corev1.RestartPolicyNever), string(corev1.RestartPolicyOnFailure)}

func restartPolicy(p corev1.RestartPolicy, fld *field.Path) field.ErrorList {
	switch p {
	case "", corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever: // "" defaults to Always
		return nil
	}
	return field.ErrorList{field.NotSupported(fld, p, restartPolicies)}
}

// podVolumes is ValidateVolumes: unique DNS-1123 label names and exactly one
// source, checked for the sources a chart's pod uses. A volume without a
// source is defaulted to an emptyDir.
func podVolumes(volumes []corev1.Volume, fld *field.Path) (sets.Set[string], field.ErrorList) {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, v := range volumes {
		idx := fld.Index(i)
		el := volumeSource(&v.VolumeSource, idx)
		if v.Name == "" {
			el = append(el, field.Required(idx.Child("name"), ""))
		} else {
			el = append(el, dns1123Label(v.Name, idx.Child("name"))...)
		}
		if names.Has(v.Name) {
			el = append(el, field.Duplicate(idx.Child("name"), v.Name))
		}
		if len(el) == 0 {
			names.Insert(v.Name)
		}
		errs = append(errs, el...)
	}
	return names, errs
}

func volumeSource(src *corev1.VolumeSource, fld *field.Path) field.ErrorList {
	errs := oneVolumeType(src, fld)
	if src.EmptyDir != nil && src.EmptyDir.SizeLimit != nil && src.EmptyDir.SizeLimit.Sign() < 0 {
		errs = append(errs, field.Forbidden(fld.Child("emptyDir").Child("sizeLimit"), "SizeLimit field must be a valid resource quantity"))
	}
	if s := src.Secret; s != nil {
		if s.SecretName == "" {
			errs = append(errs, field.Required(fld.Child("secret").Child("secretName"), ""))
		}
		errs = append(errs, fileMode(s.DefaultMode, fld.Child("secret").Child("defaultMode"))...)
		errs = append(errs, keysToPaths(s.Items, fld.Child("secret").Child("items"))...)
	}
	if c := src.ConfigMap; c != nil {
		if c.Name == "" {
			errs = append(errs, field.Required(fld.Child("configMap").Child("name"), ""))
		}
		errs = append(errs, fileMode(c.DefaultMode, fld.Child("configMap").Child("defaultMode"))...)
		errs = append(errs, keysToPaths(c.Items, fld.Child("configMap").Child("items"))...)
	}
	if c := src.PersistentVolumeClaim; c != nil && c.ClaimName == "" {
		errs = append(errs, field.Required(fld.Child("persistentVolumeClaim").Child("claimName"), ""))
	}
	return errs
}

// volumeTypes is the order in which validateVolumeSource looks at the
// sources, each with the JSON name of its field and the name it reports
// (the API server's own spelling, typos included).
var volumeTypes = [][2]string{{"emptyDir", "emptyDir"}, {"hostPath", "hostPath"}, {"gitRepo", "gitRepo"},
	{"gcePersistentDisk", "gcePersistentDisk"}, {"awsElasticBlockStore", "awsElasticBlockStore"}, {"secret", "secret"},
	{"nfs", "nfs"}, {"iscsi", "iscsi"}, {"glusterfs", "glusterfs"}, {"flocker", "flocker"},
	{"persistentVolumeClaim", "persistentVolumeClaim"}, {"rbd", "rbd"}, {"cinder", "cinder"}, {"cephfs", "cephFS"},
	{"quobyte", "quobyte"}, {"downwardAPI", "downwarAPI"}, {"fc", "fc"}, {"flexVolume", "flexVolume"},
	{"configMap", "configMap"}, {"azureFile", "azureFile"}, {"vsphereVolume", "vsphereVolume"},
	{"photonPersistentDisk", "photonPersistentDisk"}, {"portworxVolume", "portworxVolume"}, {"azureDisk", "azureDisk"},
	{"storageos", "storageos"}, {"projected", "projected"}, {"scaleIO", "scaleIO"}, {"csi", "csi"},
	{"ephemeral", "ephemeral"}, {"image", "image"}}

// oneVolumeType refuses every source after the first, where the API
// server reports it.
func oneVolumeType(src *corev1.VolumeSource, fld *field.Path) field.ErrorList {
	set := map[string]bool{}
	v := reflect.ValueOf(src).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		set[name] = !v.Field(i).IsNil()
	}
	var errs field.ErrorList
	seen := false
	for _, t := range volumeTypes {
		if !set[t[0]] {
			continue
		}
		if seen {
			errs = append(errs, field.Forbidden(fld.Child(t[1]), "may not specify more than 1 volume type"))
		}
		seen = true
	}
	return errs
}

const fileModeErrorMsg = "must be a number between 0 and 0777 (octal), both inclusive"

func fileMode(mode *int32, fld *field.Path) field.ErrorList {
	if mode != nil && (*mode > 0o777 || *mode < 0) {
		return field.ErrorList{field.Invalid(fld, *mode, fileModeErrorMsg)}
	}
	return nil
}

func keysToPaths(items []corev1.KeyToPath, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, kp := range items {
		idx := fld.Index(i)
		if kp.Key == "" {
			errs = append(errs, field.Required(idx.Child("key"), ""))
		}
		if kp.Path == "" {
			errs = append(errs, field.Required(idx.Child("path"), ""))
		}
		errs = append(errs, localNonReservedPath(kp.Path, idx.Child("path"))...)
		errs = append(errs, fileMode(kp.Mode, idx.Child("mode"))...)
	}
	return errs
}

// localNonReservedPath is ValidateLocalNonReservedPath.
func localNonReservedPath(p string, fld *field.Path) field.ErrorList {
	errs := localDescendingPath(p, fld)
	if strings.HasPrefix(p, "..") && !strings.HasPrefix(p, "../") {
		errs = append(errs, field.Invalid(fld, p, "must not start with '..'"))
	}
	return errs
}

// localDescendingPath is validateLocalDescendingPath: relative, no '..'.
func localDescendingPath(p string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if path.IsAbs(p) {
		errs = append(errs, field.Invalid(fld, p, "must be a relative path"))
	}
	if slices.Contains(strings.Split(p, "/"), "..") {
		errs = append(errs, field.Invalid(fld, p, "must not contain '..'"))
	}
	return errs
}

// tolerations is ValidateTolerations (the value error is reported on
// "operator", as the API server does).
func tolerations(tols []corev1.Toleration, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range tols {
		idx := fld.Index(i)
		if t.Key != "" {
			errs = append(errs, metav1validation.ValidateLabelName(t.Key, idx.Child("key"))...)
		}
		if t.Key == "" && t.Operator != corev1.TolerationOpExists {
			errs = append(errs, field.Invalid(idx.Child("operator"), t.Operator,
				"operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(idx.Child("effect"), t.Effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			if msgs := validation.IsValidLabelValue(t.Value); len(msgs) != 0 {
				errs = append(errs, field.Invalid(idx.Child("operator"), t.Value, strings.Join(msgs, ";")))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(idx.Child("operator"), t.Value, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, field.NotSupported(idx.Child("operator"), t.Operator, []string{string(corev1.TolerationOpEqual), string(corev1.TolerationOpExists)}))
		}
		if t.Effect != "" {
			switch t.Effect {
			case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
			default:
				errs = append(errs, field.NotSupported(idx.Child("effect"), t.Effect, []string{
					string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute)}))
			}
		}
	}
	return errs
}

// affinity checks the pod (anti-)affinity terms the chart renders.
func affinity(a *corev1.Affinity, fld *field.Path) field.ErrorList {
	if a == nil {
		return nil
	}
	var errs field.ErrorList
	if a.PodAntiAffinity != nil {
		p := fld.Child("podAntiAffinity")
		errs = append(errs, affinityTerms(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, p.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		errs = append(errs, weightedAffinityTerms(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("preferredDuringSchedulingIgnoredDuringExecution"))...)
	}
	if a.PodAffinity != nil {
		p := fld.Child("podAffinity")
		errs = append(errs, affinityTerms(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, p.Child("requiredDuringSchedulingIgnoredDuringExecution"))...)
		errs = append(errs, weightedAffinityTerms(a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution, p.Child("preferredDuringSchedulingIgnoredDuringExecution"))...)
	}
	return errs
}

func affinityTerms(terms []corev1.PodAffinityTerm, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range terms {
		errs = append(errs, affinityTerm(t, fld.Index(i))...)
	}
	return errs
}

func weightedAffinityTerms(terms []corev1.WeightedPodAffinityTerm, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range terms {
		if t.Weight <= 0 || t.Weight > 100 {
			errs = append(errs, field.Invalid(fld.Index(i).Child("weight"), t.Weight, "must be in the range 1-100"))
		}
		errs = append(errs, affinityTerm(t.PodAffinityTerm, fld.Index(i).Child("podAffinityTerm"))...)
	}
	return errs
}

func affinityTerm(t corev1.PodAffinityTerm, fld *field.Path) field.ErrorList {
	errs := metav1validation.ValidateLabelSelector(t.LabelSelector, metav1validation.LabelSelectorValidationOptions{}, fld.Child("labelSelector"))
	errs = append(errs, metav1validation.ValidateLabelSelector(t.NamespaceSelector, metav1validation.LabelSelectorValidationOptions{}, fld.Child("namespaceSelector"))...)
	for _, ns := range t.Namespaces {
		for _, msg := range apimachineryvalidation.ValidateNamespaceName(ns, false) {
			errs = append(errs, field.Invalid(fld.Child("namespace"), ns, msg))
		}
	}
	if t.TopologyKey == "" {
		errs = append(errs, field.Required(fld.Child("topologyKey"), "can not be empty"))
	}
	return append(errs, metav1validation.ValidateLabelName(t.TopologyKey, fld.Child("topologyKey"))...)
}

// podSecurityContext checks the IDs and the seccomp profile.
func podSecurityContext(sc *corev1.PodSecurityContext, fld *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.FSGroup != nil {
		errs = append(errs, groupID(*sc.FSGroup, fld.Child("fsGroup"))...)
	}
	if sc.RunAsUser != nil {
		errs = append(errs, userID(*sc.RunAsUser, fld.Child("runAsUser"))...)
	}
	if sc.RunAsGroup != nil {
		errs = append(errs, groupID(*sc.RunAsGroup, fld.Child("runAsGroup"))...)
	}
	for i, g := range sc.SupplementalGroups {
		errs = append(errs, groupID(g, fld.Child("supplementalGroups").Index(i))...)
	}
	return append(errs, seccompProfile(sc.SeccompProfile, fld.Child("seccompProfile"))...)
}

func userID(id int64, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidUserID(id) {
		errs = append(errs, field.Invalid(fld, id, msg))
	}
	return errs
}

func groupID(id int64, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsValidGroupID(id) {
		errs = append(errs, field.Invalid(fld, id, msg))
	}
	return errs
}

var seccompTypes = []string{string(corev1.SeccompProfileTypeLocalhost), string(corev1.SeccompProfileTypeRuntimeDefault), string(corev1.SeccompProfileTypeUnconfined)}

func seccompProfile(sp *corev1.SeccompProfile, fld *field.Path) field.ErrorList {
	if sp == nil {
		return nil
	}
	var errs field.ErrorList
	switch sp.Type {
	case corev1.SeccompProfileTypeLocalhost, corev1.SeccompProfileTypeRuntimeDefault, corev1.SeccompProfileTypeUnconfined:
	case "":
		errs = append(errs, field.Required(fld.Child("type"), "type is required when seccompProfile is set"))
	default:
		errs = append(errs, field.NotSupported(fld.Child("type"), sp.Type, seccompTypes))
	}
	if sp.Type == corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile == nil {
		errs = append(errs, field.Required(fld.Child("localhostProfile"), "must be set when seccomp type is Localhost"))
	} else if sp.Type != corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile != nil {
		errs = append(errs, field.Invalid(fld.Child("localhostProfile"), sp, "can only be set when seccomp type is Localhost"))
	}
	return errs
}

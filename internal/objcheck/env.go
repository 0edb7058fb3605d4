package objcheck

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// envVars is ValidateEnv with the relaxed names of Kubernetes 1.34+ (any
// printable ASCII but '=').
func envVars(vars []corev1.EnvVar, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range vars {
		idx := fld.Index(i)
		if ev.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		} else {
			for _, msg := range validation.IsRelaxedEnvVarName(ev.Name) {
				errs = append(errs, field.Invalid(idx.Child("name"), ev.Name, msg))
			}
		}
		errs = append(errs, envVarSource(ev, idx.Child("valueFrom"))...)
	}
	return errs
}

var envFieldPaths = sets.New("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
	"spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")

func envVarSource(ev corev1.EnvVar, fld *field.Path) field.ErrorList {
	from := ev.ValueFrom
	if from == nil {
		return nil
	}
	var errs field.ErrorList
	sources := 0
	if from.FieldRef != nil {
		sources++
		errs = append(errs, objectFieldSelector(from.FieldRef, fld.Child("fieldRef"))...)
	}
	if from.ResourceFieldRef != nil {
		sources++
		if from.ResourceFieldRef.Resource == "" {
			errs = append(errs, field.Required(fld.Child("resourceFieldRef").Child("resource"), ""))
		}
	}
	if s := from.ConfigMapKeyRef; s != nil {
		sources++
		errs = append(errs, keySelector(s.Name, s.Key, fld.Child("configMapKeyRef"))...)
	}
	if s := from.SecretKeyRef; s != nil {
		sources++
		errs = append(errs, keySelector(s.Name, s.Key, fld.Child("secretKeyRef"))...)
	}
	if from.FileKeyRef != nil {
		sources++
	}
	switch {
	case sources == 0:
		errs = append(errs, field.Invalid(fld, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef`, `secretKeyRef` or `fileKeyRef`"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(fld, "", "may not be specified when `value` is not empty"))
	case sources > 1:
		errs = append(errs, field.Invalid(fld, "", "may not have more than one field specified at a time"))
	}
	return errs
}

func objectFieldSelector(fs *corev1.ObjectFieldSelector, fld *field.Path) field.ErrorList {
	if fs.APIVersion != "" && fs.APIVersion != "v1" { // "" defaults to v1
		return field.ErrorList{field.Invalid(fld.Child("fieldPath"), fs.FieldPath, "error converting fieldPath: unsupported pod version: "+fs.APIVersion)}
	}
	if fs.FieldPath == "" {
		return field.ErrorList{field.Required(fld.Child("fieldPath"), "")}
	}
	for _, prefix := range []string{"metadata.labels", "metadata.annotations"} {
		if sub, ok := strings.CutPrefix(fs.FieldPath, prefix+"['"); ok && strings.HasSuffix(sub, "']") {
			key := strings.TrimSuffix(sub, "']")
			if prefix == "metadata.annotations" {
				key = strings.ToLower(key)
			}
			return qualifiedName(key, fld)
		}
	}
	if !envFieldPaths.Has(fs.FieldPath) {
		return field.ErrorList{field.NotSupported(fld.Child("fieldPath"), fs.FieldPath, sets.List(envFieldPaths))}
	}
	return nil
}

func keySelector(name, key string, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, false) {
		errs = append(errs, field.Invalid(fld.Child("name"), name, msg))
	}
	if key == "" {
		return append(errs, field.Required(fld.Child("key"), ""))
	}
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(fld.Child("key"), key, msg))
	}
	return errs
}

func envFrom(sources []corev1.EnvFromSource, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range sources {
		idx := fld.Index(i)
		if ev.Prefix != "" {
			for _, msg := range validation.IsRelaxedEnvVarName(ev.Prefix) {
				errs = append(errs, field.Invalid(idx.Child("prefix"), ev.Prefix, msg))
			}
		}
		n := 0
		if ev.ConfigMapRef != nil {
			n++
			errs = append(errs, refName(ev.ConfigMapRef.Name, idx.Child("configMapRef").Child("name"))...)
		}
		if ev.SecretRef != nil {
			n++
			errs = append(errs, refName(ev.SecretRef.Name, idx.Child("secretRef").Child("name"))...)
		}
		if n == 0 {
			errs = append(errs, field.Invalid(fld, "", "must specify one of: `configMapRef` or `secretRef`"))
		} else if n > 1 {
			errs = append(errs, field.Invalid(fld, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

func refName(name string, fld *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(fld, "")}
	}
	var errs field.ErrorList
	for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, true) {
		errs = append(errs, field.Invalid(fld, name, msg))
	}
	return errs
}

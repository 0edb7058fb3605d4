package objcheck

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// containers is validateContainers: common checks, unique names, probes,
// lifecycle and host ports that do not collide.
func containers(ctrs []corev1.Container, volumes sets.Set[string], grace int64, fld *field.Path) field.ErrorList {
	if len(ctrs) == 0 {
		return field.ErrorList{field.Required(fld, "")}
	}
	var errs field.ErrorList
	names := sets.New[string]()
	for i := range ctrs {
		c := &ctrs[i]
		idx := fld.Index(i)
		errs = append(errs, containerCommon(c, volumes, idx)...)
		if names.Has(c.Name) {
			errs = append(errs, field.Duplicate(idx.Child("name"), c.Name))
		} else {
			names.Insert(c.Name)
		}
		if c.Lifecycle != nil {
			errs = append(errs, handler(c.Lifecycle.PostStart, grace, idx.Child("lifecycle", "postStart"))...)
			errs = append(errs, handler(c.Lifecycle.PreStop, grace, idx.Child("lifecycle", "preStop"))...)
		}
		errs = append(errs, probe(c.LivenessProbe, true, idx.Child("livenessProbe"))...)
		errs = append(errs, probe(c.ReadinessProbe, false, idx.Child("readinessProbe"))...)
		errs = append(errs, probe(c.StartupProbe, true, idx.Child("startupProbe"))...)
		if c.RestartPolicy != nil {
			errs = append(errs, field.Forbidden(idx.Child("restartPolicy"), "may not be set for non-init containers"))
		}
	}
	return append(errs, hostPortConflicts(ctrs, fld)...)
}

// initContainers checks init containers that are not sidecars: no probes
// and no lifecycle, names unique among all containers.
func initContainers(inits, regular []corev1.Container, volumes sets.Set[string], fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for _, c := range regular {
		names.Insert(c.Name)
	}
	for i := range inits {
		c := &inits[i]
		idx := fld.Index(i)
		errs = append(errs, containerCommon(c, volumes, idx)...)
		if names.Has(c.Name) {
			errs = append(errs, field.Duplicate(idx.Child("name"), c.Name))
		} else if c.Name != "" {
			names.Insert(c.Name)
		}
		errs = append(errs, hostPortConflicts([]corev1.Container{*c}, fld)...)
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			continue // a sidecar: probes and lifecycle are allowed, and not checked here
		}
		for name, set := range map[string]bool{"lifecycle": c.Lifecycle != nil, "livenessProbe": c.LivenessProbe != nil,
			"readinessProbe": c.ReadinessProbe != nil, "startupProbe": c.StartupProbe != nil} {
			if set {
				errs = append(errs, field.Forbidden(idx.Child(name), "may not be set for init containers without restartPolicy=Always"))
			}
		}
	}
	return errs
}

var (
	pullPolicies        = []string{string(corev1.PullAlways), string(corev1.PullIfNotPresent), string(corev1.PullNever)}
	terminationPolicies = []string{string(corev1.TerminationMessageReadFile), string(corev1.TerminationMessageFallbackToLogsOnError)}
)

// containerCommon is validateContainerCommon after v1 defaulting (pull
// policy and termination message policy filled in when empty).
func containerCommon(c *corev1.Container, volumes sets.Set[string], fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if c.Name == "" {
		errs = append(errs, field.Required(fld.Child("name"), ""))
	} else {
		errs = append(errs, dns1123Label(c.Name, fld.Child("name"))...)
	}
	if c.Image == "" {
		errs = append(errs, field.Required(fld.Child("image"), ""))
	}
	switch c.TerminationMessagePolicy {
	case "", corev1.TerminationMessageReadFile, corev1.TerminationMessageFallbackToLogsOnError:
	default:
		errs = append(errs, field.NotSupported(fld.Child("terminationMessagePolicy"), c.TerminationMessagePolicy, terminationPolicies))
	}
	errs = append(errs, containerPorts(c.Ports, fld.Child("ports"))...)
	errs = append(errs, envVars(c.Env, fld.Child("env"))...)
	errs = append(errs, envFrom(c.EnvFrom, fld.Child("envFrom"))...)
	errs = append(errs, volumeMounts(c.VolumeMounts, volumes, fld.Child("volumeMounts"))...)
	switch c.ImagePullPolicy {
	case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, field.NotSupported(fld.Child("imagePullPolicy"), c.ImagePullPolicy, pullPolicies))
	}
	errs = append(errs, resourceRequirements(&c.Resources, fld.Child("resources"))...)
	return append(errs, securityContext(c.SecurityContext, fld.Child("securityContext"))...)
}

// imagesForPods is what pod validation adds to a template's: images
// without surrounding whitespace.
func imagesForPods(ctrs []corev1.Container, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range ctrs {
		if len(c.Image) != len(strings.TrimSpace(c.Image)) {
			errs = append(errs, field.Invalid(fld.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs
}

func containerPorts(ports []corev1.ContainerPort, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, p := range ports {
		idx := fld.Index(i)
		if p.Name != "" {
			if nameErrs := portName(p.Name, idx.Child("name")); len(nameErrs) > 0 {
				errs = append(errs, nameErrs...)
			} else if names.Has(p.Name) {
				errs = append(errs, field.Duplicate(idx.Child("name"), p.Name))
			} else {
				names.Insert(p.Name)
			}
		}
		if p.ContainerPort == 0 {
			errs = append(errs, field.Required(idx.Child("containerPort"), ""))
		} else {
			errs = append(errs, portNum(int(p.ContainerPort), idx.Child("containerPort"))...)
		}
		if p.HostPort != 0 {
			errs = append(errs, portNum(int(p.HostPort), idx.Child("hostPort"))...)
		}
		errs = append(errs, protocol(p.Protocol, idx.Child("protocol"))...)
	}
	return errs
}

// hostPortConflicts is AccumulateUniqueHostPorts over the given containers.
func hostPortConflicts(ctrs []corev1.Container, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := sets.New[string]()
	for ci, c := range ctrs {
		for pi, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			key := fmt.Sprintf("%s/%s/%d", proto, p.HostIP, p.HostPort)
			if seen.Has(key) {
				errs = append(errs, field.Duplicate(fld.Index(ci).Child("ports").Index(pi).Child("hostPort"), key))
			}
			seen.Insert(key)
		}
	}
	return errs
}

// volumeMounts is ValidateVolumeMounts: every mount names a volume of the
// pod, at a path no other mount of the container uses.
func volumeMounts(mounts []corev1.VolumeMount, volumes sets.Set[string], fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	paths := sets.New[string]()
	for i, m := range mounts {
		idx := fld.Index(i)
		if m.Name == "" {
			errs = append(errs, field.Required(idx.Child("name"), ""))
		}
		if !volumes.Has(m.Name) {
			errs = append(errs, field.NotFound(idx.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, field.Required(idx.Child("mountPath"), ""))
		}
		if paths.Has(m.MountPath) {
			errs = append(errs, field.Invalid(idx.Child("mountPath"), m.MountPath, "must be unique"))
		}
		paths.Insert(m.MountPath)
		if m.SubPath != "" {
			errs = append(errs, localDescendingPath(m.SubPath, fld.Child("subPath"))...)
		}
		if m.SubPathExpr != "" {
			if m.SubPath != "" {
				errs = append(errs, field.Invalid(idx.Child("subPathExpr"), m.SubPathExpr, "subPathExpr and subPath are mutually exclusive"))
			}
			errs = append(errs, localDescendingPath(m.SubPathExpr, fld.Child("subPathExpr"))...)
		}
	}
	return errs
}

// securityContext checks a container's user and group IDs and seccomp
// profile.
func securityContext(sc *corev1.SecurityContext, fld *field.Path) field.ErrorList {
	if sc == nil {
		return nil
	}
	var errs field.ErrorList
	if sc.RunAsUser != nil {
		errs = append(errs, userID(*sc.RunAsUser, fld.Child("runAsUser"))...)
	}
	if sc.RunAsGroup != nil {
		errs = append(errs, groupID(*sc.RunAsGroup, fld.Child("runAsGroup"))...)
	}
	errs = append(errs, seccompProfile(sc.SeccompProfile, fld.Child("seccompProfile"))...)
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation && sc.Privileged != nil && *sc.Privileged {
		errs = append(errs, field.Invalid(fld, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
	}
	return errs
}

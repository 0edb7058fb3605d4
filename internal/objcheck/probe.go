package objcheck

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// probe is validateProbe after v1 defaulting (zero thresholds and periods
// are filled in); liveness and startup probes need successThreshold 1.
func probe(p *corev1.Probe, successMustBeOne bool, fld *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	errs := probeHandler(&p.ProbeHandler, fld)
	for name, v := range map[string]int32{"initialDelaySeconds": p.InitialDelaySeconds, "timeoutSeconds": p.TimeoutSeconds,
		"periodSeconds": p.PeriodSeconds, "successThreshold": p.SuccessThreshold, "failureThreshold": p.FailureThreshold} {
		errs = append(errs, apimachineryvalidation.ValidateNonnegativeField(int64(v), fld.Child(name))...)
	}
	if p.TerminationGracePeriodSeconds != nil && *p.TerminationGracePeriodSeconds <= 0 {
		errs = append(errs, field.Invalid(fld.Child("terminationGracePeriodSeconds"), *p.TerminationGracePeriodSeconds, "must be greater than 0"))
	}
	if successMustBeOne && p.SuccessThreshold != 0 && p.SuccessThreshold != 1 {
		errs = append(errs, field.Invalid(fld.Child("successThreshold"), p.SuccessThreshold, "must be 1"))
	}
	if !successMustBeOne && p.TerminationGracePeriodSeconds != nil {
		errs = append(errs, field.Invalid(fld.Child("terminationGracePeriodSeconds"), p.TerminationGracePeriodSeconds, "must not be set for readinessProbes"))
	}
	return errs
}

func probeHandler(h *corev1.ProbeHandler, fld *field.Path) field.ErrorList {
	var grpc *intstr.IntOrString
	if h.GRPC != nil {
		port := intstr.FromInt32(h.GRPC.Port)
		grpc = &port
	}
	return actions(h.Exec, h.HTTPGet, h.TCPSocket, grpc, false, fld)
}

// handler is a lifecycle hook; a sleep may not outlast the grace period.
func handler(h *corev1.LifecycleHandler, grace int64, fld *field.Path) field.ErrorList {
	if h == nil {
		return nil
	}
	errs := actions(h.Exec, h.HTTPGet, h.TCPSocket, nil, h.Sleep != nil, fld)
	if h.Sleep != nil && (h.Sleep.Seconds < 0 || h.Sleep.Seconds > grace) {
		errs = append(errs, field.Invalid(fld.Child("sleep"), h.Sleep.Seconds,
			fmt.Sprintf("must be non-negative and less than terminationGracePeriodSeconds (%d)", grace)))
	}
	return errs
}

// actions is validateHandler: exactly one action, each well formed.
func actions(exec *corev1.ExecAction, get *corev1.HTTPGetAction, tcp *corev1.TCPSocketAction, grpc *intstr.IntOrString, sleep bool, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	one := func(set bool, name string, check func() field.ErrorList) {
		if !set {
			return
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(fld.Child(name), "may not specify more than 1 handler type"))
			return
		}
		n++
		errs = append(errs, check()...)
	}
	one(exec != nil, "exec", func() field.ErrorList {
		if len(exec.Command) == 0 {
			return field.ErrorList{field.Required(fld.Child("exec", "command"), "")}
		}
		return nil
	})
	one(get != nil, "httpGet", func() field.ErrorList { return httpGet(get, fld.Child("httpGet")) })
	one(tcp != nil, "tcpSocket", func() field.ErrorList { return portNumOrName(tcp.Port, fld.Child("tcpSocket", "port")) })
	one(grpc != nil, "grpc", func() field.ErrorList { return portNumOrName(*grpc, fld.Child("grpc", "port")) })
	one(sleep, "sleep", func() field.ErrorList { return nil })
	if n == 0 {
		errs = append(errs, field.Required(fld, "must specify a handler type"))
	}
	return errs
}

var httpSchemes = []string{string(corev1.URISchemeHTTP), string(corev1.URISchemeHTTPS)}

// httpGet is validateHTTPGetAction after v1 defaulting (path "/", scheme
// HTTP).
func httpGet(h *corev1.HTTPGetAction, fld *field.Path) field.ErrorList {
	errs := portNumOrName(h.Port, fld.Child("port"))
	if h.Scheme != "" && h.Scheme != corev1.URISchemeHTTP && h.Scheme != corev1.URISchemeHTTPS {
		errs = append(errs, field.NotSupported(fld.Child("scheme"), h.Scheme, httpSchemes))
	}
	for _, header := range h.HTTPHeaders {
		for _, msg := range validation.IsHTTPHeaderName(header.Name) {
			errs = append(errs, field.Invalid(fld.Child("httpHeaders"), header.Name, msg))
		}
	}
	return errs
}

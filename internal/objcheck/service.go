package objcheck

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	portProtocols = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
	serviceTypes  = []string{string(corev1.ServiceTypeClusterIP), string(corev1.ServiceTypeExternalName),
		string(corev1.ServiceTypeLoadBalancer), string(corev1.ServiceTypeNodePort)}
)

// service is ValidateServiceCreate for the ClusterIP and headless Services
// the chart renders, after v1 defaulting (protocol TCP, targetPort = port,
// type ClusterIP, sessionAffinity None).
func service(s *corev1.Service) field.ErrorList {
	errs := objectMeta(&s.ObjectMeta, apimachineryvalidation.NameIsDNS1035Label)
	spec := field.NewPath("spec")
	headless := s.Spec.ClusterIP == corev1.ClusterIPNone
	if len(s.Spec.Ports) == 0 && !headless && s.Spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(spec.Child("ports"), ""))
	}
	names := sets.New[string]()
	for i := range s.Spec.Ports {
		errs = append(errs, servicePort(&s.Spec.Ports[i], len(s.Spec.Ports) > 1, names, spec.Child("ports").Index(i))...)
	}
	if s.Spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabels(s.Spec.Selector, spec.Child("selector"))...)
	}
	if t := s.Spec.Type; t != "" && !sets.New(serviceTypes...).Has(string(t)) {
		errs = append(errs, field.NotSupported(spec.Child("type"), t, serviceTypes))
	}
	errs = append(errs, duplicateServicePorts(s.Spec.Ports, spec.Child("ports"))...)
	return errs
}

func servicePort(p *corev1.ServicePort, requireName bool, names sets.Set[string], fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	if requireName && p.Name == "" {
		errs = append(errs, field.Required(fld.Child("name"), ""))
	} else if p.Name != "" {
		errs = append(errs, dns1123Label(p.Name, fld.Child("name"))...)
		if names.Has(p.Name) {
			errs = append(errs, field.Duplicate(fld.Child("name"), p.Name))
		} else {
			names.Insert(p.Name)
		}
	}
	errs = append(errs, portNum(int(p.Port), fld.Child("port"))...)
	errs = append(errs, protocol(p.Protocol, fld.Child("protocol"))...)
	target := p.TargetPort
	if target == intstr.FromInt32(0) || target == intstr.FromString("") {
		target = intstr.FromInt32(p.Port) // v1 default
	}
	errs = append(errs, portNumOrName(target, fld.Child("targetPort"))...)
	if p.AppProtocol != nil {
		errs = append(errs, qualifiedName(*p.AppProtocol, fld.Child("appProtocol"))...)
	}
	return errs
}

func protocol(p corev1.Protocol, fld *field.Path) field.ErrorList {
	if p == "" || sets.New(portProtocols...).Has(string(p)) { // "" defaults to TCP
		return nil
	}
	return field.ErrorList{field.NotSupported(fld, p, portProtocols)}
}

// duplicateServicePorts refuses two ports with the same number and protocol.
func duplicateServicePorts(ports []corev1.ServicePort, fld *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, p := range ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		key := fmt.Sprintf("%d/%s", p.Port, proto)
		if seen[key] {
			errs = append(errs, field.Duplicate(fld.Index(i), map[string]any{"port": p.Port, "protocol": proto}))
		}
		seen[key] = true
	}
	return errs
}

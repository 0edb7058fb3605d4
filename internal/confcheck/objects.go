package confcheck

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// chartKind is a kind the chart renders, with the names it gives objects of
// that kind for a NatsCluster named n.
type chartKind struct {
	gvk   schema.GroupVersionKind
	names func(n string) []string
}

var (
	configMapGVK   = schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	statefulSetGVK = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
)

var chartKinds = []chartKind{
	{configMapGVK, func(n string) []string { return []string{n + "-config"} }},
	{schema.GroupVersionKind{Version: "v1", Kind: "Service"}, func(n string) []string { return []string{n, n + "-mgmt"} }},
	{statefulSetGVK, func(n string) []string { return []string{n} }},
	{schema.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}, func(n string) []string { return []string{n} }},
	{schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "ServiceMonitor"}, func(n string) []string { return []string{n} }},
	{schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "PodMonitor"}, func(n string) []string { return []string{n} }},
}

// releaseLabels are the labels the chart puts on every object
// (nats-cluster.labels in _helpers.tpl) that tie it to its release: the
// operator's cache and its selectors rely on them.
func releaseLabels(name string) [][2]string {
	return [][2]string{
		{"app.kubernetes.io/instance", name},
		{natsv1alpha2.LabelManagedBy, natsv1alpha2.ManagedByValue},
	}
}

// injectedFix says what to change when the manifest holds something the
// chart's templates never write: a spec value broke out of its place.
const injectedFix = "The chart never renders such objects, so a spec value broke out of its place (spec.chartValues, or a field holding a line break or '---'): correct that value."

// checkObjects applies the object rules to every rendered object: an allowed
// kind, the NatsCluster's namespace, a name the chart gives, the release's
// labels, and no kind more often than the chart renders it.
func checkObjects(r *report, objs []*unstructured.Unstructured, nc *natsv1alpha2.NatsCluster) {
	seen := map[string]bool{}
	count := map[schema.GroupVersionKind]int{}
	for _, o := range objs {
		id := describe(o)
		k := kindOf(o.GroupVersionKind())
		if k == nil {
			r.add(injectedFix, "%s: a NatsCluster's release holds only ConfigMaps, Services, a StatefulSet, a PodDisruptionBudget, a ServiceMonitor and a PodMonitor (%s)", id, allowedKinds())
			continue
		}
		if count[k.gvk]++; count[k.gvk] == len(k.names(nc.Name))+1 {
			r.add(injectedFix, "%s: the chart renders at most %d %s for a NatsCluster", id, len(k.names(nc.Name)), k.gvk.Kind)
		}
		switch ns := o.GetNamespace(); {
		case ns == "":
			r.add(injectedFix, "%s: has no namespace, but the chart puts every object in the NatsCluster's namespace %q", id, nc.Namespace)
		case ns != nc.Namespace:
			r.add(injectedFix, "%s: is in namespace %q, but every object of NatsCluster %s must stay in %q", id, ns, nc.Name, nc.Namespace)
		}
		if !contains(k.names(nc.Name), o.GetName()) {
			r.add(injectedFix, "%s: the chart names a NatsCluster's %s %s", id, k.gvk.Kind, quoteList(k.names(nc.Name)))
		} else if key := k.gvk.Kind + "/" + o.GetName(); seen[key] {
			r.add(injectedFix, "%s: rendered twice", id)
		} else {
			seen[key] = true
		}
		for _, l := range releaseLabels(nc.Name) {
			if o.GetLabels()[l[0]] != l[1] {
				r.add(injectedFix, "%s: lacks the release label %s=%s that the chart puts on every object", id, l[0], l[1])
			}
		}
	}
}

func kindOf(gvk schema.GroupVersionKind) *chartKind {
	for i := range chartKinds {
		if chartKinds[i].gvk == gvk {
			return &chartKinds[i]
		}
	}
	return nil
}

func allowedKinds() string {
	var out []string
	for _, k := range chartKinds {
		out = append(out, k.gvk.Kind+" "+k.gvk.GroupVersion().String())
	}
	return strings.Join(out, ", ")
}

// describe names an object for a message: kind, namespace and name. The
// values are the manifest's own, bounded so a hostile name cannot flood
// the condition.
func describe(o *unstructured.Unstructured) string {
	gvk := o.GroupVersionKind()
	kind := gvk.Kind
	if kind == "" {
		kind = "object without kind"
	} else if kindOf(gvk) == nil {
		kind += " " + gvk.GroupVersion().String()
	}
	name := o.GetName()
	if ns := o.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%s %q", kind, bounded(name))
}

func bounded(s string) string {
	const limit = 100
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "…"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, " or ")
}

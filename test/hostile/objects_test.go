package hostile

import (
	"context"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/metadata"
)

// object is what a snapshot keeps of one object.
type object struct {
	resource        schema.GroupVersionResource
	namespace, name string
	labels          map[string]string
	annotations     map[string]string
	resourceVersion string
	uid             string
}

func (o object) key() string {
	return fmt.Sprintf("%s/%s/%s", o.resource.GroupResource(), o.namespace, o.name)
}

func (o object) String() string {
	if o.namespace == "" {
		return fmt.Sprintf("%s %s", o.resource.GroupResource(), o.name)
	}
	return fmt.Sprintf("%s %s/%s", o.resource.GroupResource(), o.namespace, o.name)
}

// snapshot is every object of every listable kind in the cluster, Events
// excepted, by key.
type snapshot map[string]object

func (r *runner) snapshot(ctx context.Context) (snapshot, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(r.cfg)
	if err != nil {
		return nil, err
	}
	mc, err := metadata.NewForConfig(r.cfg)
	if err != nil {
		return nil, err
	}
	lists, err := dc.ServerPreferredResources()
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	out := snapshot{}
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			return nil, err
		}
		for _, res := range l.APIResources {
			if strings.Contains(res.Name, "/") || res.Name == "events" || !hasVerb(res.Verbs, "list") {
				continue
			}
			gvr := gv.WithResource(res.Name)
			items, err := mc.Resource(gvr).List(ctx, metav1.ListOptions{})
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", gvr, err)
			}
			for _, it := range items.Items {
				o := object{
					resource: gvr, namespace: it.Namespace, name: it.Name, labels: it.Labels,
					annotations: it.Annotations, resourceVersion: it.ResourceVersion, uid: string(it.UID),
				}
				out[o.key()] = o
			}
		}
	}
	return out, nil
}

func hasVerb(verbs []string, v string) bool {
	for _, x := range verbs {
		if x == v {
			return true
		}
	}
	return false
}

// inNamespace lists the snapshot's objects in ns.
func (s snapshot) inNamespace(ns string) []object {
	var out []object
	for _, o := range s {
		if o.namespace == ns {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// releaseObjects are the objects the chart renders for a release, by
// resource: the only things a NatsCluster may make in its namespace.
func releaseObjects(name string) map[string]bool {
	return map[string]bool{
		"statefulsets.apps/" + name:                     true,
		"services/" + name:                              true,
		"services/" + name + "-mgmt":                    true,
		"configmaps/" + name + "-config":                true,
		"poddisruptionbudgets.policy/" + name:           true,
		"servicemonitors.monitoring.coreos.com/" + name: true,
	}
}

const (
	annotationReleaseName      = "meta.helm.sh/release-name"
	annotationReleaseNamespace = "meta.helm.sh/release-namespace"
	labelManagedBy             = "nats.io/managed-by"
)

// checkNamespace: the case's namespace holds only its NatsClusters, their
// release objects, Helm's release records, the operator's auth Secrets and
// the planted objects, untouched.
func checkNamespace(run *caseRun, objs []object) {
	admitted := map[string]bool{}
	for _, c := range run.clusters {
		if c.admitted() {
			admitted[c.name] = true
		}
	}
	planted := map[string]string{} // uid -> resourceVersion at creation
	for _, p := range run.planted {
		planted[string(p.GetUID())] = p.GetResourceVersion()
	}
	seenPlanted := map[string]bool{}
	for _, o := range objs {
		gr := o.resource.GroupResource().String()
		if rv, ok := planted[o.uid]; ok {
			seenPlanted[o.uid] = true
			if o.resourceVersion != rv {
				run.problem("planted %s was changed (resourceVersion %s, was %s)", o, o.resourceVersion, rv)
			}
			continue
		}
		switch {
		case gr == "natsclusters.nats.io" && admitted[o.name]:
		case gr == "secrets" && helmRecord(o, admitted):
		case gr == "secrets" && authSecret(o, admitted):
		default:
			if problem := releaseObjectProblem(o, run.namespace, admitted); problem != "" {
				run.problem("%s", problem)
			}
		}
	}
	for _, p := range run.planted {
		if !seenPlanted[string(p.GetUID())] {
			run.problem("planted %s %s was deleted", p.GetKind(), p.GetName())
		}
	}
}

// helmRecord is a Helm release Secret of an admitted NatsCluster.
func helmRecord(o object, admitted map[string]bool) bool {
	name := o.labels["name"]
	return o.labels["owner"] == "helm" && admitted[name] && strings.HasPrefix(o.name, "sh.helm.release.v1."+name+".v")
}

// authSecret is the Secret the operator's auth controller writes.
func authSecret(o object, admitted map[string]bool) bool {
	name, ok := strings.CutSuffix(o.name, "-auth")
	return ok && admitted[name] && o.labels[labelManagedBy] == "nats-operator"
}

// releaseObjectProblem says what is wrong with an object that should be a
// release object, or "" when it is one.
func releaseObjectProblem(o object, ns string, admitted map[string]bool) string {
	release := o.annotations[annotationReleaseName]
	id := o.resource.GroupResource().String() + "/" + o.name
	switch {
	case !admitted[release]:
		return fmt.Sprintf("unexpected object %s (release %q)", o, release)
	case !releaseObjects(release)[id]:
		return fmt.Sprintf("release %s made %s, which the chart does not render", release, o)
	case o.annotations[annotationReleaseNamespace] != ns:
		return fmt.Sprintf("%s names release namespace %q", o, o.annotations[annotationReleaseNamespace])
	case o.labels[labelManagedBy] != "nats-operator" || o.labels["app.kubernetes.io/instance"] != release:
		return fmt.Sprintf("%s lacks the release's labels: %v", o, o.labels)
	}
	return ""
}

// checkElsewhere: outside the cases' namespaces nothing was created,
// changed or deleted while the corpus ran.
func checkElsewhere(before, after snapshot, ours map[string]bool) []string {
	var problems []string
	mine := func(o object) bool {
		if ours[o.namespace] {
			return true
		}
		return o.namespace == "" && o.resource.Resource == "namespaces" && ours[o.name]
	}
	for k, o := range after {
		if mine(o) || apiServerChurn(o) {
			continue
		}
		was, ok := before[k]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s appeared outside the cases' namespaces (labels %v)", o, o.labels))
		case was.resourceVersion != o.resourceVersion:
			problems = append(problems, fmt.Sprintf("%s changed outside the cases' namespaces", o))
		}
	}
	for k, o := range before {
		if _, ok := after[k]; !ok && !mine(o) && !apiServerChurn(o) {
			problems = append(problems, fmt.Sprintf("%s was deleted", o))
		}
	}
	sort.Strings(problems)
	return problems
}

// apiServerChurn is what the API server itself writes: its identity Lease,
// the endpoints of the kubernetes Service, and the IP address allocations
// of Services (cluster-scoped, one per ClusterIP; the Services themselves
// are checked in their namespaces).
func apiServerChurn(o object) bool {
	switch {
	case o.resource.Resource == "ipaddresses" && o.labels["ipaddress.kubernetes.io/managed-by"] == "ipallocator.k8s.io":
		return true
	case o.resource.Resource == "leases" && o.namespace == "kube-system":
		return true
	case o.namespace == "default" && o.name == "kubernetes" && (o.resource.Resource == "endpoints" || o.resource.Resource == "endpointslices"):
		return true
	}
	return false
}

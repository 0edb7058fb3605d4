package bundle

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// extraKinds are the kinds a registry+v1 bundle may carry besides the CSV
// and CRDs (operator-registry's supported list; RBAC is handled apart).
var extraKinds = map[string]bool{
	"ConfigMap": true, "Secret": true, "Service": true, "ServiceAccount": true,
	"PodDisruptionBudget": true, "PriorityClass": true, "NetworkPolicy": true,
	"PrometheusRule": true, "ServiceMonitor": true, "PodMonitor": true, "VerticalPodAutoscaler": true,
	"ConsoleYAMLSample": true, "ConsoleQuickStart": true, "ConsoleCLIDownload": true, "ConsoleLink": true,
}

var (
	csvGVK        = schema.GroupVersionKind{Group: "operators.coreos.com", Version: "v1alpha1", Kind: "ClusterServiceVersion"}
	crdGK         = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}
	deploymentGK  = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	namespaceGK   = schema.GroupKind{Kind: "Namespace"}
	serviceAcctGK = schema.GroupKind{Kind: "ServiceAccount"}
)

// input is the kustomize output of config/manifests, sorted by role.
type input struct {
	base       *unstructured.Unstructured
	crds       []*unstructured.Unstructured
	deployment *unstructured.Unstructured
	rbac       rbacObjects
	// serviceAccounts are kept until the operator's is known.
	serviceAccounts []*unstructured.Unstructured
	examples        []*unstructured.Unstructured
	extras          []*unstructured.Unstructured
}

// readInput decodes the multi-document stream and files every object. The
// Namespace is dropped: OLM installs into the namespace the user picks.
func readInput(r io.Reader) (*input, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
	for i := 1; ; i++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("manifests document %d: %w", i, err)
		}
		if m != nil {
			objs = append(objs, &unstructured.Unstructured{Object: m})
		}
	}
	in := &input{rbac: newRBACObjects()}
	for _, u := range objs {
		if u.GroupVersionKind().GroupKind() == crdGK {
			in.crds = append(in.crds, u)
		}
	}
	sort.Slice(in.crds, func(i, j int) bool { return in.crds[i].GetName() < in.crds[j].GetName() })
	owned := ownedKinds(in.crds)
	for _, u := range objs {
		if err := in.file(u, owned); err != nil {
			return nil, err
		}
	}
	if in.base == nil {
		return nil, fmt.Errorf("no ClusterServiceVersion base in the manifests (config/manifests/bases)")
	}
	if in.deployment == nil {
		return nil, fmt.Errorf("no Deployment in the manifests: the operator's Deployment becomes the CSV install strategy")
	}
	if len(in.crds) == 0 {
		return nil, fmt.Errorf("no CustomResourceDefinition in the manifests")
	}
	return in, nil
}

func (in *input) file(u *unstructured.Unstructured, owned map[schema.GroupKind]bool) error {
	gvk := u.GroupVersionKind()
	id := fmt.Sprintf("%s %q", gvk.Kind, u.GetName())
	switch gk := gvk.GroupKind(); {
	case gk == crdGK, gk == namespaceGK:
	case gvk == csvGVK:
		if in.base != nil {
			return fmt.Errorf("more than one ClusterServiceVersion in the manifests")
		}
		in.base = u
	case gk == deploymentGK:
		if in.deployment != nil {
			return fmt.Errorf("%s: more than one Deployment in the manifests; the bundle supports one operator Deployment", id)
		}
		in.deployment = u
	case owned[gk]:
		in.examples = append(in.examples, u)
	case gk == serviceAcctGK:
		in.serviceAccounts = append(in.serviceAccounts, u)
	case in.rbac.add(u):
	case extraKinds[gvk.Kind]:
		in.extras = append(in.extras, u)
	default:
		return fmt.Errorf("%s (%s): kind not allowed in a registry+v1 bundle (Deployments belong in the CSV; allowed extras: ConfigMap, Secret, Service, RBAC, monitoring objects, …)", id, gvk.GroupVersion())
	}
	return nil
}

// operatorServiceAccount is the Deployment's ServiceAccount. It must be in
// the input (it is what the RBAC binds) and is left out of the bundle: OLM
// creates it from the CSV. Any other ServiceAccount goes in as an extra.
func (in *input) operatorServiceAccount() (types.NamespacedName, error) {
	name, _, _ := unstructured.NestedString(in.deployment.Object, "spec", "template", "spec", "serviceAccountName")
	sa := types.NamespacedName{Namespace: in.deployment.GetNamespace(), Name: name}
	if name == "" {
		return sa, fmt.Errorf("deployment %s has no spec.template.spec.serviceAccountName: the CSV grants its permissions to that ServiceAccount", in.deployment.GetName())
	}
	found := false
	for _, u := range in.serviceAccounts {
		if u.GetName() == sa.Name && u.GetNamespace() == sa.Namespace {
			found = true
		} else {
			in.extras = append(in.extras, u)
		}
	}
	if !found {
		return sa, fmt.Errorf("the Deployment's ServiceAccount %s is not in the manifests", sa)
	}
	return sa, nil
}

// ownedKinds are the group/kinds the input's CRDs define.
func ownedKinds(crds []*unstructured.Unstructured) map[schema.GroupKind]bool {
	out := map[schema.GroupKind]bool{}
	for _, crd := range crds {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		out[schema.GroupKind{Group: group, Kind: kind}] = true
	}
	return out
}

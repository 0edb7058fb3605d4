package bundle

import (
	"fmt"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// ownedCRDs describes every CRD of the input for the CSV: name and storage
// version from the CRD, display name, description, resources and
// descriptors from the API's Go source, which must be that version.
func ownedCRDs(crds []*unstructured.Unstructured, api *APIDescription) ([]v1alpha1.CRDDescription, error) {
	var out []v1alpha1.CRDDescription
	for _, u := range crds {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &crd); err != nil {
			return nil, fmt.Errorf("CRD %s: %w", u.GetName(), err)
		}
		version := ""
		for _, v := range crd.Spec.Versions {
			if v.Storage {
				version = v.Name
			}
		}
		if version != api.Package {
			return nil, fmt.Errorf("CRD %s stores version %q but the API source is package %q: point the generator at the storage version's source", crd.Name, version, api.Package)
		}
		d, ok := api.Kinds[crd.Spec.Names.Kind]
		if !ok {
			return nil, fmt.Errorf("CRD %s: no root type %s (+kubebuilder:object:root=true with a spec) in the API source", crd.Name, crd.Spec.Names.Kind)
		}
		d.Name = crd.Name
		d.Version = version
		out = append(out, d)
	}
	return out, nil
}

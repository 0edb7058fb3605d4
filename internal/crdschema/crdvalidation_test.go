package crdschema

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/model"
	"k8s.io/apimachinery/pkg/util/version"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// oldestKubernetes is the oldest Kubernetes the bundle and the charts
// declare (minKubeVersion, kubeVersion): every CEL rule must compile there.
var oldestKubernetes = version.MajorMinor(1, 27)

var crdFiles = []string{"nats.io_natsclusters.yaml", "nats.io_natsserviceroles.yaml"}

func readCRD(t *testing.T, name string) *apiextensions.CustomResourceDefinition {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repofs.Root(), "config", "crd", "bases", name))
	if err != nil {
		t.Fatal(err)
	}
	var v1 apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &v1); err != nil {
		t.Fatal(err)
	}
	var crd apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&v1, &crd, nil); err != nil {
		t.Fatal(err)
	}
	return &crd
}

// TestCRDsPassTheAPIServersCRDValidation runs the API server's own CRD
// validation: structural schema, CEL compilation and the CEL cost budget
// (per rule and per CRD), which maxLength/maxItems/maxProperties keep low.
// An unbounded string under a regex rule fails here before it fails in a
// cluster.
func TestCRDsPassTheAPIServersCRDValidation(t *testing.T) {
	for _, name := range crdFiles {
		t.Run(name, func(t *testing.T) {
			crd := readCRD(t, name)
			// What the API server has once the CRD is stored.
			for _, v := range crd.Spec.Versions {
				if v.Storage {
					crd.Status.StoredVersions = []string{v.Name}
				}
			}
			if errs := apiextensionsvalidation.ValidateCustomResourceDefinition(context.Background(), crd); len(errs) > 0 {
				t.Errorf("the API server would refuse %s: %v", name, errs.ToAggregate())
			}
		})
	}
}

// TestCELRulesCompileOnTheOldestSupportedKubernetes: a rule that uses a CEL
// library newer than the oldest supported Kubernetes would make the CRD
// uninstallable there.
func TestCELRulesCompileOnTheOldestSupportedKubernetes(t *testing.T) {
	envSet := environment.MustBaseEnvSet(oldestKubernetes)
	for _, name := range crdFiles {
		crd := readCRD(t, name)
		for _, v := range crd.Spec.Versions {
			s := v.Schema
			if s == nil {
				s = crd.Spec.Validation
			}
			structural, err := structuralschema.NewStructural(s.OpenAPIV3Schema)
			if err != nil {
				t.Fatal(err)
			}
			rules := 0
			walkStructural(structural, "", true, func(node *structuralschema.Structural, path string, root bool) {
				results, err := cel.Compile(node, model.SchemaDeclType(node, root), celconfig.PerCallLimit, envSet, cel.NewExpressionsEnvLoader())
				if err != nil {
					t.Errorf("%s %s: %v", name, path, err)
					return
				}
				for i, r := range results {
					rules++
					if r.Error != nil {
						t.Errorf("%s %s rule %q does not compile on Kubernetes %s: %v", name, path, node.XValidations[i].Rule, oldestKubernetes, r.Error)
					}
				}
			})
			if rules == 0 {
				t.Errorf("%s: no CEL rule found; the walk is broken", name)
			}
		}
	}
}

// walkStructural calls fn on every schema node that carries CEL rules.
func walkStructural(s *structuralschema.Structural, path string, root bool, fn func(*structuralschema.Structural, string, bool)) {
	if s == nil {
		return
	}
	if len(s.XValidations) > 0 {
		fn(s, path, root)
	}
	for name, p := range s.Properties {
		walkStructural(&p, path+"."+name, false, fn)
	}
	walkStructural(s.Items, path+"[*]", false, fn)
	if s.AdditionalProperties != nil {
		walkStructural(s.AdditionalProperties.Structural, path+"[*]", false, fn)
	}
}

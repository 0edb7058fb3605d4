package bundle

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/blang/semver/v4"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	sigsjson "sigs.k8s.io/json"

	"github.com/nats-operator/nats-operator/internal/images"
)

// generatedCSVFields are written by the generator; a base that sets them
// would be silently overwritten, so it is refused instead.
var generatedCSVFields = [][]string{
	{"metadata", "annotations", "alm-examples"},
	{"metadata", "annotations", "containerImage"},
	{"spec", "version"},
	{"spec", "install"},
	{"spec", "customresourcedefinitions"},
	{"spec", "relatedImages"},
}

// csvParts are the generated parts of the CSV.
type csvParts struct {
	deployment v1alpha1.StrategyDeploymentSpec
	perms      Permissions
	owned      []v1alpha1.CRDDescription
	examples   []*unstructured.Unstructured
	images     []images.Image
}

// buildCSV fills the hand-written base with the generated parts. The base
// keeps its field order and content; only generated fields are set.
func buildCSV(base *unstructured.Unstructured, o Options, p csvParts) (map[string]any, error) {
	if err := checkBase(base); err != nil {
		return nil, err
	}
	v, err := semver.Parse(o.Version)
	if err != nil {
		return nil, fmt.Errorf("version %q: %w", o.Version, err)
	}
	examples, err := almExamples(p.examples)
	if err != nil {
		return nil, err
	}
	csv := base.DeepCopy()
	csv.SetName(fmt.Sprintf("%s.v%s", o.Package, v))
	csv.SetNamespace("")
	ann := csv.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann["alm-examples"] = examples
	ann["containerImage"] = p.images[0].Default
	csv.SetAnnotations(ann)

	sa := p.deployment.Spec.Template.Spec.ServiceAccountName
	install := v1alpha1.NamedInstallStrategy{
		StrategyName: v1alpha1.InstallStrategyNameDeployment,
		StrategySpec: v1alpha1.StrategyDetailsDeployment{
			DeploymentSpecs: []v1alpha1.StrategyDeploymentSpec{p.deployment},
			// OLM grants permissions in the operator's namespace and in
			// every target namespace, so one list serves both.
			Permissions: []v1alpha1.StrategyDeploymentPermissions{{
				ServiceAccountName: sa, Rules: merged(p.perms.Watched, p.perms.Own),
			}},
		},
	}
	if len(p.perms.Cluster) > 0 {
		install.StrategySpec.ClusterPermissions = []v1alpha1.StrategyDeploymentPermissions{{
			ServiceAccountName: sa, Rules: p.perms.Cluster,
		}}
	}
	var related []v1alpha1.RelatedImage
	for _, img := range p.images {
		related = append(related, v1alpha1.RelatedImage{Name: img.Name, Image: img.Default})
	}
	spec := csv.Object["spec"].(map[string]any)
	spec["version"] = v.String()
	spec["install"] = install
	spec["customresourcedefinitions"] = v1alpha1.CustomResourceDefinitions{Owned: p.owned}
	spec["relatedImages"] = related
	return csv.Object, nil
}

// checkBase decodes the base strictly, so a misspelled field is an error
// rather than a field OLM never sees, and refuses generated fields.
func checkBase(base *unstructured.Unstructured) error {
	raw, err := json.Marshal(base.Object)
	if err != nil {
		return err
	}
	// Case-sensitive, unlike encoding/json: OLM reads "displayname" as
	// displayName, but the console and validators may not.
	var typed v1alpha1.ClusterServiceVersion
	strict, err := sigsjson.UnmarshalStrict(raw, &typed)
	if err == nil && len(strict) > 0 {
		err = errors.Join(strict...)
	}
	if err != nil {
		return fmt.Errorf("ClusterServiceVersion base: %w", err)
	}
	if _, ok := base.Object["spec"].(map[string]any); !ok {
		return fmt.Errorf("ClusterServiceVersion base: no spec")
	}
	for _, path := range generatedCSVFields {
		if _, found, _ := unstructured.NestedFieldNoCopy(base.Object, path...); found {
			return fmt.Errorf("ClusterServiceVersion base: %v is generated; remove it from the base", path)
		}
	}
	return nil
}

// almExamples is the alm-examples annotation: the samples as a JSON array,
// without namespaces (the user picks one).
func almExamples(samples []*unstructured.Unstructured) (string, error) {
	examples := make([]map[string]any, 0, len(samples))
	for _, s := range samples {
		u := s.DeepCopy()
		u.SetNamespace("")
		examples = append(examples, u.Object)
	}
	raw, err := json.MarshalIndent(examples, "", "  ")
	if err != nil {
		return "", fmt.Errorf("alm-examples: %w", err)
	}
	return string(raw), nil
}

package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"github.com/operator-framework/api/pkg/validation"
	interfaces "github.com/operator-framework/api/pkg/validation/interfaces"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/images"
)

// committedBundle loads bundle/ as OLM tooling does.
func committedBundle(t *testing.T) *manifests.Bundle {
	t.Helper()
	b, err := manifests.GetBundleFromDir(filepath.Join(repoRoot(), BundleDir))
	if err != nil {
		t.Fatalf("loading bundle/ (run make bundle): %v", err)
	}
	return b
}

// validate runs what `operator-sdk bundle validate --select-optional
// suite=operatorframework` runs: the default validators plus the
// OperatorHub, capabilities, categories, deprecated-API and good-practice
// ones, for Kubernetes 1.35.
func validate(t *testing.T, b *manifests.Bundle) (errs, warns []string) {
	t.Helper()
	objs := append(b.ObjectsToValidate(), map[string]string{"k8s-version": "1.35"})
	validators := append(interfaces.Validators{}, validation.DefaultBundleValidators...)
	validators = append(validators,
		validation.OperatorHubV2Validator, validation.StandardCapabilitiesValidator,
		validation.StandardCategoriesValidator, validation.AlphaDeprecatedAPIsValidator,
		validation.GoodPracticesValidator)
	results := validators.Validate(objs...)
	if len(results) == 0 {
		t.Fatal("the validators returned no results: the bundle was not validated")
	}
	for _, r := range results {
		for _, w := range r.Warnings {
			warns = append(warns, fmt.Sprintf("%s: %v", r.Name, w))
		}
		for _, e := range r.Errors {
			errs = append(errs, fmt.Sprintf("%s: %v", r.Name, e))
		}
	}
	return errs, warns
}

// TestBundleValidates: zero errors and zero warnings from the validators
// OperatorHub runs (the channel names follow OLM's convention,
// candidate-v0).
func TestBundleValidates(t *testing.T) {
	errs, warns := validate(t, committedBundle(t))
	for _, w := range warns {
		t.Errorf("warning: %s", w)
	}
	for _, e := range errs {
		t.Errorf("error: %s", e)
	}
}

// TestValidationCatchesBrokenCSV guards the test above: the same
// validators must fail a copy of the bundle whose CSV has an empty icon and
// an invalid minKubeVersion.
func TestValidationCatchesBrokenCSV(t *testing.T) {
	b := committedBundle(t)
	b.CSV.Spec.Icon = []v1alpha1.Icon{{}}
	b.CSV.Spec.MinKubeVersion = "one.two"
	errs, _ := validate(t, b)
	joined := strings.Join(errs, "\n")
	for _, want := range []string{"csv.Spec.Icon elements should contain both data and mediatype", "csv.Spec.MinKubeVersion has an invalid value"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no error mentioning %q; errors:\n%s", want, joined)
		}
	}
}

// TestBundleMirrorsScorecardOLMChecks runs the scorecard's static checks
// in Go: basic-check-spec (every example has a spec), olm-crds-have-validation
// (every example spec key is in the CRD schema), olm-spec-descriptors and
// olm-status-descriptors (every key has a descriptor) and
// olm-crds-have-resources.
func TestBundleMirrorsScorecardOLMChecks(t *testing.T) {
	b := committedBundle(t)
	owned := ownedByKind(b.CSV)
	for _, ex := range almExamplesOf(t, b.CSV) {
		id := ex.GetKind() + "/" + ex.GetName()
		d, ok := owned[ex.GetKind()]
		if !ok {
			t.Errorf("example %s: kind is not an owned CRD", id)
			continue
		}
		props := schemaOf(t, b, d).Properties
		spec, _, _ := unstructured.NestedMap(ex.Object, "spec")
		if len(spec) == 0 {
			t.Errorf("example %s: empty spec (basic-check-spec)", id)
		}
		specPaths := map[string]bool{}
		for _, sd := range d.SpecDescriptors {
			specPaths[sd.Path] = true
		}
		for key := range spec {
			if _, ok := props["spec"].Properties[key]; !ok {
				t.Errorf("example %s: spec.%s is not in the CRD schema (olm-crds-have-validation)", id, key)
			}
			if !specPaths[key] {
				t.Errorf("example %s: spec.%s has no specDescriptor (olm-spec-descriptors)", id, key)
			}
		}
		status, _, _ := unstructured.NestedMap(ex.Object, "status")
		for key := range status {
			if !hasStatusDescriptor(d, key) {
				t.Errorf("example %s: status.%s has no statusDescriptor (olm-status-descriptors)", id, key)
			}
		}
	}
	if len(owned) == 0 {
		t.Fatal("the CSV owns no CRD")
	}
	for _, d := range owned {
		if len(d.Resources) == 0 {
			t.Errorf("owned CRD %s has no resources (olm-crds-have-resources)", d.Name)
		}
	}
}

// TestDescriptorsMatchCRDSchema checks that every descriptor names a field
// the CRD really has, so the console never shows a dead field.
func TestDescriptorsMatchCRDSchema(t *testing.T) {
	b := committedBundle(t)
	for _, d := range b.CSV.Spec.CustomResourceDefinitions.Owned {
		props := schemaOf(t, b, d).Properties
		for _, sd := range d.SpecDescriptors {
			if err := hasPath(props["spec"], sd.Path); err != nil {
				t.Errorf("%s specDescriptor %q: %v", d.Kind, sd.Path, err)
			}
		}
		for _, sd := range d.StatusDescriptors {
			if err := hasPath(props["status"], sd.Path); err != nil {
				t.Errorf("%s statusDescriptor %q: %v", d.Kind, sd.Path, err)
			}
		}
		if len(d.SpecDescriptors) == 0 {
			t.Errorf("%s has no specDescriptors", d.Kind)
		}
	}
}

// TestAlmExamplesAreTheSamples checks that every NatsCluster and
// NatsServiceRole sample of config/samples/kustomization.yaml is an example.
func TestAlmExamplesAreTheSamples(t *testing.T) {
	b := committedBundle(t)
	examples := map[string]bool{}
	for _, ex := range almExamplesOf(t, b.CSV) {
		examples[ex.GetKind()+"/"+ex.GetName()] = true
	}
	dir := filepath.Join(repoRoot(), "config", "samples")
	var kust struct{ Resources []string }
	readYAML(t, filepath.Join(dir, "kustomization.yaml"), &kust)
	owned := ownedByKind(b.CSV)
	n := 0
	for _, res := range kust.Resources {
		var u unstructured.Unstructured
		readYAML(t, filepath.Join(dir, res), &u.Object)
		if _, ok := owned[u.GetKind()]; !ok {
			continue
		}
		n++
		if !examples[u.GetKind()+"/"+u.GetName()] {
			t.Errorf("sample %s (%s/%s) is not in alm-examples", res, u.GetKind(), u.GetName())
		}
	}
	if n < len(owned) || len(examples) != n {
		t.Errorf("%d samples of owned kinds, %d examples, %d owned CRDs: want one example per sample and at least one per CRD", n, len(examples), len(owned))
	}
}

// TestCSVInstallContract checks what OLM relies on: the install modes, the
// operator learning its namespaces from the OperatorGroup, and every
// related image wired to the operator through RELATED_IMAGE_*.
func TestCSVInstallContract(t *testing.T) {
	csv := committedBundle(t).CSV
	modes := map[v1alpha1.InstallModeType]bool{}
	for _, m := range csv.Spec.InstallModes {
		modes[m.Type] = m.Supported
	}
	wantModes := map[v1alpha1.InstallModeType]bool{
		v1alpha1.InstallModeTypeOwnNamespace: true, v1alpha1.InstallModeTypeSingleNamespace: true,
		v1alpha1.InstallModeTypeMultiNamespace: false, v1alpha1.InstallModeTypeAllNamespaces: true,
	}
	if fmt.Sprint(modes) != fmt.Sprint(wantModes) {
		t.Errorf("install modes = %v, want %v", modes, wantModes)
	}

	deps := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs
	if len(deps) != 1 || len(deps[0].Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one Deployment with one container, got %+v", deps)
	}
	c := deps[0].Spec.Template.Spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if ws := env[WatchNamespaceEnv]; ws.ValueFrom == nil || ws.ValueFrom.FieldRef == nil || ws.ValueFrom.FieldRef.FieldPath != TargetNamespacesFieldPath {
		t.Errorf("WATCH_NAMESPACE = %+v, want fieldRef %s", ws, TargetNamespacesFieldPath)
	}
	if c.Image != csv.Annotations["containerImage"] {
		t.Errorf("operator image %q, containerImage annotation %q", c.Image, csv.Annotations["containerImage"])
	}
	related := map[string]string{}
	for _, ri := range csv.Spec.RelatedImages {
		related[ri.Name] = ri.Image
	}
	// Every image of internal/images, with its default, except the
	// operator's own: the image being bundled, which its default must name.
	want := map[string]images.Image{OperatorImageName: {Name: OperatorImageName, Env: OperatorImageEnv, Default: c.Image}}
	for _, img := range images.All {
		if img.Env == OperatorImageEnv {
			if img.Default != c.Image {
				t.Errorf("internal/images: operator image %q, bundled %q: keep the operator version and VERSION in step", img.Default, c.Image)
			}
			continue
		}
		want[img.Name] = img
	}
	if len(related) != len(want) {
		t.Errorf("relatedImages = %v, want %d images", related, len(want))
	}
	for _, img := range want {
		if related[img.Name] != img.Default {
			t.Errorf("relatedImages[%s] = %q, want %q", img.Name, related[img.Name], img.Default)
		}
		if env[img.Env].Value != img.Default {
			t.Errorf("%s = %q, want %q", img.Env, env[img.Env].Value, img.Default)
		}
	}

	sa := deps[0].Spec.Template.Spec.ServiceAccountName
	spec := csv.Spec.InstallStrategy.StrategySpec
	for _, p := range append(spec.Permissions, spec.ClusterPermissions...) {
		if p.ServiceAccountName != sa {
			t.Errorf("permissions for ServiceAccount %q, want the Deployment's %q", p.ServiceAccountName, sa)
		}
	}
	if len(spec.Permissions) != 1 {
		t.Errorf("%d permissions entries, want 1", len(spec.Permissions))
	}
}

// TestCSVGrantsConfigRBAC checks that the CSV grants every rule of
// config/rbac, and that clusterPermissions hold nothing namespaced: a
// namespace-scoped install must not get cluster-wide access to chart kinds.
func TestCSVGrantsConfigRBAC(t *testing.T) {
	b := committedBundle(t)
	spec := b.CSV.Spec.InstallStrategy.StrategySpec
	granted := grants{}
	for _, p := range append(spec.Permissions, spec.ClusterPermissions...) {
		granted.add(p.Rules)
	}
	if missing := configRBAC(t).missingFrom(granted); len(missing) > 0 {
		t.Errorf("config/rbac rules the CSV does not grant: %v", missing)
	}
	var crds []*unstructured.Unstructured
	for _, crd := range b.V1CRDs {
		crds = append(crds, &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
			"group": crd.Spec.Group, "scope": string(crd.Spec.Scope), "names": map[string]any{"plural": crd.Spec.Names.Plural},
		}}})
	}
	sc := newScopes(crds)
	for _, p := range spec.ClusterPermissions {
		for _, r := range p.Rules {
			if cluster, err := isClusterRule(r, sc); err != nil || !cluster {
				t.Errorf("clusterPermissions rule %v is not cluster-scoped (%v)", r, err)
			}
		}
	}
	for _, p := range spec.Permissions {
		for _, r := range p.Rules {
			if cluster, err := isClusterRule(r, sc); err != nil || cluster {
				t.Errorf("permissions rule %v is not namespaced (%v)", r, err)
			}
		}
	}
}

func ownedByKind(csv *v1alpha1.ClusterServiceVersion) map[string]v1alpha1.CRDDescription {
	out := map[string]v1alpha1.CRDDescription{}
	for _, d := range csv.Spec.CustomResourceDefinitions.Owned {
		out[d.Kind] = d
	}
	return out
}

func almExamplesOf(t *testing.T, csv *v1alpha1.ClusterServiceVersion) []unstructured.Unstructured {
	t.Helper()
	var raw []map[string]any
	if err := json.Unmarshal([]byte(csv.Annotations["alm-examples"]), &raw); err != nil {
		t.Fatalf("alm-examples: %v", err)
	}
	if len(raw) == 0 {
		t.Fatal("alm-examples is empty")
	}
	out := make([]unstructured.Unstructured, len(raw))
	for i := range raw {
		out[i].Object = raw[i]
	}
	return out
}

// schemaOf is the schema of the owned CRD's described version.
func schemaOf(t *testing.T, b *manifests.Bundle, d v1alpha1.CRDDescription) *apiextensionsv1.JSONSchemaProps {
	t.Helper()
	for _, crd := range b.V1CRDs {
		if crd.Name != d.Name {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if v.Name == d.Version && v.Schema != nil && v.Schema.OpenAPIV3Schema != nil {
				return v.Schema.OpenAPIV3Schema
			}
		}
	}
	t.Fatalf("no schema for %s %s in the bundle", d.Name, d.Version)
	return nil
}

// hasPath walks a dotted descriptor path through object properties.
func hasPath(s apiextensionsv1.JSONSchemaProps, path string) error {
	for _, seg := range strings.Split(path, ".") {
		next, ok := s.Properties[seg]
		if !ok {
			return fmt.Errorf("no property %q in the CRD schema", seg)
		}
		s = next
	}
	return nil
}

func hasStatusDescriptor(d v1alpha1.CRDDescription, path string) bool {
	for _, sd := range d.StatusDescriptors {
		if sd.Path == path {
			return true
		}
	}
	return false
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestCSVDeclaresWhatCatalogsExpect: the metadata community catalogs read
// and the validators do not all check: a creation date, the platforms of
// the image, and channels named by OLM's convention.
func TestCSVDeclaresWhatCatalogsExpect(t *testing.T) {
	csv := committedBundle(t).CSV
	if _, err := time.Parse(time.RFC3339, csv.Annotations["createdAt"]); err != nil {
		t.Errorf("createdAt %q: %v", csv.Annotations["createdAt"], err)
	}
	for _, l := range []string{"operatorframework.io/os.linux", "operatorframework.io/arch.amd64", "operatorframework.io/arch.arm64"} {
		if csv.Labels[l] != "supported" {
			t.Errorf("label %s = %q, want supported", l, csv.Labels[l])
		}
	}
}

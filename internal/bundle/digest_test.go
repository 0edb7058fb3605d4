package bundle

import (
	"strings"
	"testing"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	"sigs.k8s.io/yaml"
)

// TestGeneratePinsAnOperatorDigest: `make bundle IMG=…@sha256:…` pins the
// operator by digest everywhere the bundle names it: the container, its
// RELATED_IMAGE_OPERATOR, the containerImage annotation and relatedImages.
func TestGeneratePinsAnOperatorDigest(t *testing.T) {
	const digest = "example.com/op@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	o := minimalOptions(t)
	o.OperatorImage = digest
	files, err := Generate(strings.NewReader(minimalInput), o)
	if err != nil {
		t.Fatal(err)
	}
	var csv v1alpha1.ClusterServiceVersion
	if err := yaml.UnmarshalStrict(files["bundle/manifests/widget-operator.clusterserviceversion.yaml"], &csv); err != nil {
		t.Fatal(err)
	}
	c := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0].Spec.Template.Spec.Containers[0]
	related := map[string]string{}
	for _, r := range csv.Spec.RelatedImages {
		related[r.Name] = r.Image
	}
	checks := []struct{ where, got string }{
		{"container image", c.Image},
		{OperatorImageEnv, envValue(c.Env, OperatorImageEnv)},
		{"containerImage annotation", csv.Annotations["containerImage"]},
		{"relatedImages " + OperatorImageName, related[OperatorImageName]},
	}
	for _, ch := range checks {
		if ch.got != digest {
			t.Errorf("%s = %q, want the digest %s", ch.where, ch.got, digest)
		}
	}
}

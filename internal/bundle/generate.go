package bundle

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// Output locations, relative to the repository root.
const (
	BundleDir      = "bundle"
	DockerfilePath = "bundle.Dockerfile"
	// OperatorChartDir is the Helm chart that installs the operator; its
	// crds/ and files/rbac-rules.yaml are generated with the bundle.
	OperatorChartDir = "helm-charts/nats-operator"
	ChartRBACFile    = OperatorChartDir + "/files/rbac-rules.yaml"
	ChartImagesFile  = OperatorChartDir + "/files/related-images.yaml"
	chartCRDDir      = OperatorChartDir + "/crds"
)

// generatedDirs are replaced as a whole on Write, so that files of removed
// objects do not linger.
var generatedDirs = []string{BundleDir, chartCRDDir}

// Options are the bundle's release facts (Makefile variables) and inputs
// that kustomize does not carry.
type Options struct {
	// Package is the OLM package name, also the CSV name's prefix.
	Package string
	// Version is the operator's semantic version, without a leading v.
	Version        string
	Channels       []string
	DefaultChannel string
	// OperatorImage is the image of the operator being bundled.
	OperatorImage string
	// APIDir holds the Go source of the CRDs' storage version, whose
	// +operator-sdk:csv markers become the owned CRDs' descriptors.
	APIDir string
	// CRDDir holds the CRD files copied verbatim into the operator chart.
	CRDDir string
}

func (o Options) validate() error {
	var missing []string
	for name, v := range map[string]string{"package": o.Package, "version": o.Version, "operator image": o.OperatorImage, "API source directory": o.APIDir, "CRD directory": o.CRDDir} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(o.Channels) == 0 {
		missing = append(missing, "channels")
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	if o.DefaultChannel != "" && !contains(o.Channels, o.DefaultChannel) {
		return fmt.Errorf("default channel %q is not one of the channels %v", o.DefaultChannel, o.Channels)
	}
	return nil
}

// Files maps paths relative to the repository root to their content.
type Files map[string][]byte

// Generate builds the bundle and the operator chart's generated files from
// the kustomize output of config/manifests. The output depends only on the
// inputs: same inputs, same bytes.
func Generate(manifests io.Reader, o Options) (Files, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	in, err := readInput(manifests)
	if err != nil {
		return nil, err
	}
	sa, err := in.operatorServiceAccount()
	if err != nil {
		return nil, err
	}
	perms, unbound, err := in.rbac.permissions(sa, newScopes(in.crds))
	if err != nil {
		return nil, err
	}
	related := relatedImages(o.OperatorImage)
	dep, err := csvDeployment(in.deployment, related)
	if err != nil {
		return nil, err
	}
	api, err := LoadAPI(o.APIDir)
	if err != nil {
		return nil, err
	}
	owned, err := ownedCRDs(in.crds, api)
	if err != nil {
		return nil, err
	}
	sortObjects(in.examples)
	csv, err := buildCSV(in.base, o, csvParts{deployment: dep, perms: perms, owned: owned, examples: in.examples, images: related})
	if err != nil {
		return nil, err
	}

	files := Files{}
	manifestsDir := path.Join(BundleDir, "manifests")
	if err := files.addYAML(path.Join(manifestsDir, o.Package+".clusterserviceversion.yaml"), csv); err != nil {
		return nil, err
	}
	for _, crd := range in.crds {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		if err := files.addYAML(path.Join(manifestsDir, group+"_"+plural+".yaml"), cleaned(crd)); err != nil {
			return nil, err
		}
	}
	extras := append(in.extras, unbound...)
	sortObjects(extras)
	for _, u := range extras {
		if err := files.addYAML(path.Join(manifestsDir, extraFileName(u)), cleaned(u)); err != nil {
			return nil, err
		}
	}
	files[path.Join(BundleDir, "metadata", "annotations.yaml")] = annotationsYAML(o)
	files[path.Join(BundleDir, "tests", "scorecard", "config.yaml")] = scorecardConfig()
	files[DockerfilePath] = bundleDockerfile(o)
	if err := files.addChartFiles(o.CRDDir, perms); err != nil {
		return nil, err
	}
	return files, nil
}

// addChartFiles copies the CRDs into the operator chart and writes the RBAC
// rules its templates grant and its default related images.
func (f Files) addChartFiles(crdDir string, perms Permissions) error {
	crds, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil {
		return err
	}
	if len(crds) == 0 {
		return fmt.Errorf("no CRD files in %s", crdDir)
	}
	for _, p := range crds {
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f[path.Join(chartCRDDir, filepath.Base(p))] = raw
	}
	rules, err := toYAML(perms)
	if err != nil {
		return err
	}
	f[ChartRBACFile] = append([]byte(chartRBACHeader), rules...)
	imgs, err := toYAML(chartImages())
	if err != nil {
		return err
	}
	f[ChartImagesFile] = append([]byte(chartImagesHeader), imgs...)
	return nil
}

const chartRBACHeader = `# Generated by ` + "`make bundle`" + ` (internal/bundle) from config/rbac: do not edit.
# watched: granted in every watched namespace (cluster-wide when clusterScoped).
# own: granted in the release namespace (leader election).
# cluster: cluster-scoped APIs, always cluster-wide.
`

const chartImagesHeader = `# Generated by ` + "`make bundle`" + ` from internal/images: do not edit.
# Default RELATED_IMAGE_<KEY> variables of the operator; values.relatedImages
# overrides them key by key.
`

func (f Files) addYAML(p string, obj any) error {
	raw, err := toYAML(obj)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if _, dup := f[p]; dup {
		return fmt.Errorf("%s: two objects map to the same file", p)
	}
	f[p] = raw
	return nil
}

// Write replaces the generated directories under root and writes files.
func (f Files) Write(root string) error {
	for _, d := range generatedDirs {
		if err := os.RemoveAll(filepath.Join(root, d)); err != nil {
			return err
		}
	}
	for _, p := range sortedKeys(f) {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// toYAML marshals through JSON (struct tags apply) and drops the
// "creationTimestamp: null" that empty ObjectMeta values produce.
func toYAML(obj any) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var generic any
	if err := dec.Decode(&generic); err != nil {
		return nil, err
	}
	dropNullTimestamps(generic)
	return yaml.Marshal(generic)
}

func dropNullTimestamps(v any) {
	switch t := v.(type) {
	case map[string]any:
		if ts, ok := t["creationTimestamp"]; ok && ts == nil {
			delete(t, "creationTimestamp")
		}
		for _, c := range t {
			dropNullTimestamps(c)
		}
	case []any:
		for _, c := range t {
			dropNullTimestamps(c)
		}
	}
}

// cleaned is an object as the bundle carries it: no namespace (OLM picks
// it) and no managed-by=kustomize label.
func cleaned(u *unstructured.Unstructured) map[string]any {
	c := u.DeepCopy()
	c.SetNamespace("")
	if l := withoutKustomizeLabel(c.GetLabels()); len(l) > 0 {
		c.SetLabels(l)
	} else {
		c.SetLabels(nil)
	}
	return c.Object
}

// extraFileName follows operator-sdk: <name>_<group>_<version>_<kind>.yaml.
func extraFileName(u *unstructured.Unstructured) string {
	gvk := u.GroupVersionKind()
	parts := []string{u.GetName()}
	if gvk.Group != "" {
		parts = append(parts, gvk.Group)
	}
	parts = append(parts, gvk.Version, strings.ToLower(gvk.Kind))
	return strings.Join(parts, "_") + ".yaml"
}

func sortObjects(objs []*unstructured.Unstructured) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if a.GetKind() != b.GetKind() {
			return a.GetKind() < b.GetKind()
		}
		return a.GetName() < b.GetName()
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/crdschema"
	"github.com/nats-operator/nats-operator/internal/objcheck"
	"github.com/nats-operator/nats-operator/internal/overlay"
	"github.com/nats-operator/nats-operator/internal/values"
)

// Paths of the assets inside the repository (and inside the embedded copy).
const (
	ChartDir       = "helm-charts/nats-cluster"
	NatsClusterCRD = "config/crd/bases/nats.io_natsclusters.yaml"
)

// kubeVersion is what offline rendering tells the chart it runs on.
var kubeVersion = chartutil.KubeVersion{Version: "v1.35.0", Major: "1", Minor: "35"}

// Renderer renders NatsClusters without a cluster.
type Renderer struct {
	chart  *chart.Chart
	schema *crdschema.Schema
}

// New loads the chart and the NatsCluster CRD from fsys.
func New(fsys fs.FS) (*Renderer, error) {
	c, err := LoadChart(fsys, ChartDir)
	if err != nil {
		return nil, err
	}
	crd, err := fs.ReadFile(fsys, NatsClusterCRD)
	if err != nil {
		return nil, fmt.Errorf("reading NatsCluster CRD: %w", err)
	}
	s, err := crdschema.Load(crd, "v1alpha2")
	if err != nil {
		return nil, err
	}
	return &Renderer{chart: c, schema: s}, nil
}

// Chart is the loaded nats-cluster chart.
func (r *Renderer) Chart() *chart.Chart { return r.chart }

// RenderDocuments renders every NatsCluster in a multi-document YAML stream
// and returns the objects as one multi-document YAML stream. Any other kind,
// or an invalid NatsCluster, is an error that names the document.
func (r *Renderer) RenderDocuments(ctx context.Context, in []byte) (string, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(in), 4096)
	var out strings.Builder
	clusters := 0
	for i := 1; ; i++ {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("document %d: %w", i, err)
		}
		if obj == nil {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		if u.GroupVersionKind() == natsv1alpha2.NatsServiceRoleGVK {
			// Its token Secrets come from the TokenRequest API at run time;
			// there is nothing to render, and a file may hold both kinds.
			fmt.Fprintf(&out, "# NatsServiceRole %s: its users and token Secrets are issued at run time\n", u.GetName())
			continue
		}
		if u.GroupVersionKind() != r.schema.GVK {
			return "", fmt.Errorf("document %d: %s %q is not a %s", i, u.GroupVersionKind(), u.GetName(), r.schema.GVK)
		}
		manifest, err := r.Render(ctx, u)
		if err != nil {
			return "", fmt.Errorf("document %d (%s/%s): %w", i, u.GetNamespace(), u.GetName(), err)
		}
		out.WriteString(manifest)
		clusters++
	}
	if clusters == 0 {
		return "", fmt.Errorf("no NatsCluster in input")
	}
	return out.String(), nil
}

// Render renders one NatsCluster. Its namespace defaults to "default".
func (r *Renderer) Render(ctx context.Context, u *unstructured.Unstructured) (string, error) {
	if u.GetName() == "" {
		return "", fmt.Errorf("metadata.name is required")
	}
	if u.GetNamespace() == "" {
		u.SetNamespace("default")
	}
	if err := r.schema.Admit(ctx, u.Object); err != nil {
		return "", err
	}
	vals, err := values.Translator{Defaults: r.chart.Values}.Translate(ctx, u)
	if err != nil {
		return "", err
	}
	manifest, err := r.renderManifest(u.GetName(), u.GetNamespace(), vals)
	if err != nil {
		return "", err
	}
	// The operator's post-render guard, so that render refuses exactly what
	// the operator would, with the same messages (the guard knows the CR,
	// so it names the field behind a key nats-server refuses).
	var nc natsv1alpha2.NatsCluster
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &nc); err != nil {
		return "", fmt.Errorf("decoding NatsCluster: %w", err)
	}
	// The official chart's object overrides, as the post-renderer applies
	// them before its guard.
	if manifest, err = overlay.ForNatsCluster(manifest, &nc); err != nil {
		return "", err
	}
	if err := (confcheck.Guard{}).Check(manifest, &nc); err != nil {
		return "", err
	}
	return manifest, nil
}

// RenderValues renders the chart for a release, sorted in install order,
// validates the nats.conf in it exactly as the operator's post-renderer does
// and applies the API server's checks to the objects.
func (r *Renderer) RenderValues(name, namespace string, vals chartutil.Values) (string, error) {
	manifest, err := r.renderManifest(name, namespace, vals)
	if err != nil {
		return "", err
	}
	if err := confcheck.ValidateManifest(manifest); err != nil {
		return "", err
	}
	// What the API server would refuse in the objects themselves (names,
	// labels, ports, sizes), so that render and the cluster agree.
	if err := objcheck.Manifest(manifest); err != nil {
		return "", err
	}
	return manifest, nil
}

// renderManifest renders the chart for a release, sorted in install order.
func (r *Renderer) renderManifest(name, namespace string, vals chartutil.Values) (string, error) {
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = kubeVersion
	top, err := chartutil.ToRenderValues(r.chart, vals, chartutil.ReleaseOptions{
		Name: name, Namespace: namespace, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return "", fmt.Errorf("chart values: %w", err)
	}
	files, err := engine.Render(r.chart, top)
	if err != nil {
		return "", fmt.Errorf("rendering chart: %w", err)
	}
	for name := range files {
		if !strings.HasSuffix(name, ".yaml") {
			delete(files, name) // helpers and notes
		}
	}
	_, manifests, err := releaseutil.SortManifests(files, caps.APIVersions, releaseutil.InstallOrder)
	if err != nil {
		return "", fmt.Errorf("sorting rendered manifests: %w", err)
	}
	var out strings.Builder
	for _, m := range manifests {
		fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", m.Name, strings.TrimSpace(m.Content))
	}
	return out.String(), nil
}

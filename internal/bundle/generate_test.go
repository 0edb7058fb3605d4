package bundle

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// minimalInput is the smallest stream Generate accepts, in the shape of
// the kustomize output: a CSV base, a CRD, the operator's Namespace,
// ServiceAccount, RBAC and Deployment, a sample, a Service and an unbound
// viewer ClusterRole.
const minimalInput = `
apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata: {name: widget-operator.v0.0.0, namespace: placeholder, annotations: {capabilities: Basic Install}}
spec:
  displayName: Widget Operator
  installModes: [{type: AllNamespaces, supported: true}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com, labels: {app.kubernetes.io/managed-by: kustomize}}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets, listKind: WidgetList, singular: widget}
  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
---
apiVersion: v1
kind: Namespace
metadata: {name: sys}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: op, namespace: sys}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: manager}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: manager}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: manager}
subjects: [{kind: ServiceAccount, name: op, namespace: sys}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: widget-viewer}
rules: [{apiGroups: [example.com], resources: [widgets], verbs: [get]}]
---
apiVersion: v1
kind: Service
metadata: {name: metrics, namespace: sys}
spec: {ports: [{port: 8443}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: op, namespace: sys, labels: {app: op, app.kubernetes.io/managed-by: kustomize}}
spec:
  selector: {matchLabels: {app: op}}
  template:
    metadata: {labels: {app: op}}
    spec:
      serviceAccountName: op
      containers:
      - name: manager
        image: controller:latest
        env: [{name: WATCH_NAMESPACE, value: "x"}]
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: example, namespace: sys}
spec: {size: 1}
`

func minimalOptions(t *testing.T) Options {
	t.Helper()
	crdDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(crdDir, "example.com_widgets.yaml"), []byte("kind: CustomResourceDefinition\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return Options{
		Package: "widget-operator", Version: "1.2.3", Channels: []string{"stable"}, DefaultChannel: "stable",
		OperatorImage: "example.com/op:1.2.3", APIDir: writeAPI(t, widgetKind), CRDDir: crdDir,
	}
}

func TestGenerateMinimalInput(t *testing.T) {
	files, err := Generate(strings.NewReader(minimalInput), minimalOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"bundle/manifests/widget-operator.clusterserviceversion.yaml",
		"bundle/manifests/example.com_widgets.yaml",
		"bundle/manifests/metrics_v1_service.yaml",
		"bundle/manifests/widget-viewer_rbac.authorization.k8s.io_v1_clusterrole.yaml",
		"bundle/metadata/annotations.yaml",
		"bundle/tests/scorecard/config.yaml",
		"bundle.Dockerfile",
		"helm-charts/nats-operator/crds/example.com_widgets.yaml",
		ChartRBACFile,
		ChartImagesFile,
	} {
		if _, ok := files[p]; !ok {
			t.Errorf("%s not generated", p)
		}
	}
	if len(files) != 10 {
		t.Errorf("%d files generated, want 10: %v", len(files), sortedKeys(files))
	}
	for p, content := range files {
		for _, bad := range []string{"namespace: sys", "managed-by: kustomize", "creationTimestamp"} {
			if strings.Contains(string(content), bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
	}

	var csv v1alpha1.ClusterServiceVersion
	if err := yaml.UnmarshalStrict(files["bundle/manifests/widget-operator.clusterserviceversion.yaml"], &csv); err != nil {
		t.Fatal(err)
	}
	if csv.Name != "widget-operator.v1.2.3" || csv.Spec.Version.String() != "1.2.3" {
		t.Errorf("CSV name %q version %q, want widget-operator.v1.2.3 and 1.2.3", csv.Name, csv.Spec.Version.String())
	}
	if !strings.Contains(csv.Annotations["alm-examples"], `"name": "example"`) {
		t.Errorf("alm-examples = %s, want the Widget sample", csv.Annotations["alm-examples"])
	}
	dep := csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs[0]
	c := dep.Spec.Template.Spec.Containers[0]
	if c.Image != "example.com/op:1.2.3" {
		t.Errorf("operator image = %q", c.Image)
	}
	if ws := c.Env[0]; ws.Name != WatchNamespaceEnv || ws.Value != "" || ws.ValueFrom.FieldRef.FieldPath != TargetNamespacesFieldPath {
		t.Errorf("first env = %+v, want WATCH_NAMESPACE from %s", ws, TargetNamespacesFieldPath)
	}
	if envValue(c.Env, OperatorImageEnv) != "example.com/op:1.2.3" {
		t.Errorf("env = %+v, want %s", c.Env, OperatorImageEnv)
	}
	owned := csv.Spec.CustomResourceDefinitions.Owned
	if len(owned) != 1 || owned[0].Name != "widgets.example.com" || owned[0].Version != "v1" || len(owned[0].SpecDescriptors) != 3 {
		t.Errorf("owned = %+v", owned)
	}
	perms := csv.Spec.InstallStrategy.StrategySpec.Permissions
	if len(perms) != 1 || perms[0].ServiceAccountName != "op" || len(perms[0].Rules) != 1 {
		t.Errorf("permissions = %+v", perms)
	}
	if cp := csv.Spec.InstallStrategy.StrategySpec.ClusterPermissions; len(cp) != 0 {
		t.Errorf("clusterPermissions = %+v, want none", cp)
	}
}

func envValue(env []corev1.EnvVar, name string) string {
	for _, e := range env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func TestGenerateRefusesBadInput(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // edit of minimalInput
		opts     func(*Options)
		wantErr  string
	}{
		{name: "no options", opts: func(o *Options) { *o = Options{} }, wantErr: "missing API source directory, CRD directory, channels, operator image, package, version"},
		{name: "default channel not a channel", opts: func(o *Options) { o.DefaultChannel = "fast" }, wantErr: `default channel "fast" is not one of the channels [stable]`},
		{name: "version not semver", opts: func(o *Options) { o.Version = "v1" }, wantErr: `version "v1"`},
		{name: "no CRD files for the chart", opts: func(o *Options) { o.CRDDir = t.TempDir() }, wantErr: "no CRD files in"},
		{name: "API source of another version", opts: func(o *Options) {
			o.APIDir = writeAPI(t, strings.Replace(widgetKind, "package v1", "package v2", 1))
		}, wantErr: `CRD widgets.example.com stores version "v1" but the API source is package "v2"`},
		{name: "kind missing from the API source", opts: func(o *Options) {
			o.APIDir = writeAPI(t, strings.ReplaceAll(widgetKind, "type Widget struct", "type Gadget struct"))
		}, wantErr: "CRD widgets.example.com: no root type Widget"},
		{name: "not YAML", old: "kind: Namespace\n", new: "kind: [\n", wantErr: "manifests document"},
		{name: "no CSV base", old: "kind: ClusterServiceVersion", new: "kind: ConfigMap", wantErr: "no ClusterServiceVersion base"},
		{name: "no Deployment", old: "kind: Deployment", new: "kind: DaemonSet", wantErr: `DaemonSet "op" (apps/v1): kind not allowed in a registry+v1 bundle`},
		{name: "misspelled CSV base field", old: "displayName: Widget Operator", new: "displayname: Widget Operator", wantErr: `ClusterServiceVersion base: unknown field "spec.displayname"`},
		{name: "generated field in the CSV base", old: "  displayName: Widget Operator", new: "  displayName: Widget Operator\n  version: 0.0.1", wantErr: "[spec version] is generated; remove it from the base"},
		{name: "ServiceAccount missing", old: "kind: ServiceAccount\nmetadata: {name: op", new: "kind: ServiceAccount\nmetadata: {name: other", wantErr: "the Deployment's ServiceAccount sys/op is not in the manifests"},
		{name: "Deployment without ServiceAccount", old: "      serviceAccountName: op\n", new: "", wantErr: "deployment op has no spec.template.spec.serviceAccountName"},
		{name: "two containers, none named default", old: "      - name: manager\n", new: "      - name: sidecar\n        image: s\n      - name: manager\n", wantErr: "2 containers and no kubectl.kubernetes.io/default-container annotation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(minimalInput, tt.old) {
				t.Fatalf("test edit %q does not apply", tt.old)
			}
			o := minimalOptions(t)
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := Generate(strings.NewReader(strings.Replace(minimalInput, tt.old, tt.new, 1)), o)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/nats-operator/nats-operator/internal/images"
)

// Tests of helm-charts/nats-operator, the chart that installs the operator.
// It is rendered with Helm's own engine, as `helm install` would.

const (
	chartRelease   = "nats-operator"
	chartNamespace = "ops"
)

// renderOperatorChart renders the chart with vals (schema-checked) and
// returns its objects by kind/namespace/name.
func renderOperatorChart(t *testing.T, vals map[string]any) (map[string]*unstructured.Unstructured, error) {
	t.Helper()
	ch, err := loader.Load(filepath.Join(repoRoot(), OperatorChartDir))
	if err != nil {
		t.Fatal(err)
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = chartutil.KubeVersion{Version: "v1.35.0", Major: "1", Minor: "35"}
	top, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{
		Name: chartRelease, Namespace: chartNamespace, Revision: 1, IsInstall: true,
	}, caps)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(ch, top)
	if err != nil {
		return nil, err
	}
	objs := map[string]*unstructured.Unstructured{}
	for name, manifest := range out {
		if strings.HasSuffix(name, "NOTES.txt") {
			continue
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
		for {
			var m map[string]any
			if err := dec.Decode(&m); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, manifest)
			}
			if m == nil {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			objs[u.GetKind()+"/"+u.GetNamespace()+"/"+u.GetName()] = u
		}
	}
	return objs, nil
}

func mustRender(t *testing.T, vals map[string]any) map[string]*unstructured.Unstructured {
	t.Helper()
	objs, err := renderOperatorChart(t, vals)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func convert[T any](t *testing.T, u *unstructured.Unstructured) *T {
	t.Helper()
	var out T
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &out); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
	return &out
}

func chartDeployment(t *testing.T, objs map[string]*unstructured.Unstructured) *appsv1.Deployment {
	t.Helper()
	u, ok := objs["Deployment/"+chartNamespace+"/nats-operator"]
	if !ok {
		t.Fatalf("no Deployment nats-operator in %s; objects: %v", chartNamespace, sortedKeys(objs))
	}
	d := convert[appsv1.Deployment](t, u)
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(d.Spec.Template.Spec.Containers))
	}
	return d
}

// boundRules returns, per namespace ("" for cluster-wide), the kinds of the
// roles bound to the operator's ServiceAccount and the rules they grant.
func boundRules(t *testing.T, objs map[string]*unstructured.Unstructured) (kinds map[string][]string, rules map[string]grants) {
	t.Helper()
	kinds, rules = map[string][]string{}, map[string]grants{}
	for _, u := range objs {
		if u.GetKind() != "RoleBinding" && u.GetKind() != "ClusterRoleBinding" {
			continue
		}
		b := convert[rbacv1.RoleBinding](t, u)
		if len(b.Subjects) != 1 || b.Subjects[0].Kind != "ServiceAccount" || b.Subjects[0].Name != "nats-operator" || b.Subjects[0].Namespace != chartNamespace {
			t.Errorf("%s %s/%s subjects = %+v, want the ServiceAccount %s/nats-operator", u.GetKind(), u.GetNamespace(), u.GetName(), b.Subjects, chartNamespace)
		}
		roleNS := u.GetNamespace()
		if b.RoleRef.Kind == "ClusterRole" {
			roleNS = ""
		}
		role, ok := objs[b.RoleRef.Kind+"/"+roleNS+"/"+b.RoleRef.Name]
		if !ok {
			t.Errorf("%s %s/%s binds missing %s %s", u.GetKind(), u.GetNamespace(), u.GetName(), b.RoleRef.Kind, b.RoleRef.Name)
			continue
		}
		scope := u.GetNamespace() // a ClusterRole bound by a RoleBinding grants only there
		kinds[scope] = append(kinds[scope], b.RoleRef.Kind)
		if rules[scope] == nil {
			rules[scope] = grants{}
		}
		rules[scope].add(convert[rbacv1.ClusterRole](t, role).Rules)
	}
	for _, k := range kinds {
		sort.Strings(k)
	}
	return kinds, rules
}

func envOf(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
	}
	return out
}

// TestOperatorChartInstallModes renders both install modes and checks
// where the operator's rules are granted and what it is told to watch.
func TestOperatorChartInstallModes(t *testing.T) {
	tests := []struct {
		name  string
		vals  map[string]any
		watch string
		// managerScopes are the namespaces ("" = cluster-wide) where a Role
		// (or ClusterRole) grants the operator's rules on chart kinds.
		managerScopes []string
		managerKind   string
	}{
		{name: "default: every namespace", vals: nil, watch: "", managerScopes: []string{""}, managerKind: "ClusterRole"},
		{
			name: "namespace-scoped: the release namespace", vals: map[string]any{"clusterScoped": false},
			watch: chartNamespace, managerScopes: []string{chartNamespace}, managerKind: "Role",
		},
		{
			name: "namespace-scoped, two namespaces", vals: map[string]any{"clusterScoped": false, "watchNamespaces": []any{"team-a", "team-b"}},
			watch: "team-a,team-b", managerScopes: []string{"team-a", "team-b"}, managerKind: "Role",
		},
		{name: "cluster-scoped", vals: map[string]any{"clusterScoped": true}, watch: "", managerScopes: []string{""}, managerKind: "ClusterRole"},
	}
	sc := newScopes(nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := mustRender(t, tt.vals)
			c := chartDeployment(t, objs).Spec.Template.Spec.Containers[0]
			if got, ok := envOf(c)[WatchNamespaceEnv]; !ok || got != tt.watch {
				t.Errorf("WATCH_NAMESPACE = %q (set: %v), want %q", got, ok, tt.watch)
			}
			kinds, rules := boundRules(t, objs)
			for _, scope := range tt.managerScopes {
				if !rules[scope][[3]string{"apps", "statefulsets", "create"}] {
					t.Errorf("scope %q: statefulsets create not granted; bound kinds %v", scope, kinds[scope])
				}
				if !contains(kinds[scope], tt.managerKind) {
					t.Errorf("scope %q: bound kinds %v, want a %s", scope, kinds[scope], tt.managerKind)
				}
			}
			// Namespaced kinds must never be granted where they are not
			// watched: cluster-wide only when cluster-scoped.
			for scope, g := range rules {
				for k := range g {
					namespaced := !strings.HasPrefix(k[1], "/") && !sc.cluster(k[0], k[1])
					if scope == "" && namespaced && tt.managerKind != "ClusterRole" {
						t.Errorf("namespace-scoped install grants %v cluster-wide", k)
					}
				}
			}
			if tt.managerKind == "Role" {
				for _, u := range objs {
					if u.GetKind() == "ClusterRole" && u.GetName() == "nats-operator-manager" {
						t.Errorf("namespace-scoped install renders ClusterRole %s", u.GetName())
					}
				}
			}
			// Leader election always lives in the release namespace.
			if !rules[chartNamespace][[3]string{"coordination.k8s.io", "leases", "create"}] {
				t.Errorf("leases create not granted in %s", chartNamespace)
			}
		})
	}
}

// TestOperatorChartGrantsConfigRBAC checks that, in both modes, the chart
// grants every rule of config/rbac (read from the files, not from the
// generator) to the operator in a watched namespace: what is bound there,
// cluster-wide, and in the release namespace (leader election).
func TestOperatorChartGrantsConfigRBAC(t *testing.T) {
	want := configRBAC(t)
	tests := []struct {
		name    string
		vals    map[string]any
		watched string // a watched namespace; "" for cluster-scoped
	}{
		{name: "default", vals: nil, watched: ""},
		{name: "namespace-scoped", vals: map[string]any{"clusterScoped": false, "watchNamespaces": []any{"team-a"}}, watched: "team-a"},
		{name: "cluster-scoped", vals: map[string]any{"clusterScoped": true}, watched: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rules := boundRules(t, mustRender(t, tt.vals))
			have := grants{}
			for _, scope := range []string{"", tt.watched, chartNamespace} {
				for k := range rules[scope] {
					have[k] = true
				}
			}
			if missing := want.missingFrom(have); len(missing) > 0 {
				t.Errorf("config/rbac rules not granted: %v", missing)
			}
		})
	}
}

// TestOperatorChartDeploymentMatchesConfigManager keeps the chart's
// Deployment in line with config/manager/manager.yaml: same args, ports,
// probes, resources and security contexts.
func TestOperatorChartDeploymentMatchesConfigManager(t *testing.T) {
	var want appsv1.Deployment
	found := false
	for _, u := range readDocs(t, filepath.Join(repoRoot(), "config", "manager", "manager.yaml")) {
		if u.GetKind() == "Deployment" {
			want, found = *convert[appsv1.Deployment](t, u), true
		}
	}
	if !found {
		t.Fatal("no Deployment in config/manager/manager.yaml")
	}
	got := chartDeployment(t, mustRender(t, nil))
	wc, gc := want.Spec.Template.Spec.Containers[0], got.Spec.Template.Spec.Containers[0]
	checks := []struct {
		field     string
		got, want any
	}{
		{"container name", gc.Name, wc.Name},
		{"args", gc.Args, wc.Args},
		{"ports", gc.Ports, wc.Ports},
		{"livenessProbe", gc.LivenessProbe, wc.LivenessProbe},
		{"readinessProbe", gc.ReadinessProbe, wc.ReadinessProbe},
		{"resources", gc.Resources, wc.Resources},
		{"securityContext", gc.SecurityContext, wc.SecurityContext},
		{"pod securityContext", got.Spec.Template.Spec.SecurityContext, want.Spec.Template.Spec.SecurityContext},
		{"terminationGracePeriodSeconds", got.Spec.Template.Spec.TerminationGracePeriodSeconds, want.Spec.Template.Spec.TerminationGracePeriodSeconds},
		{"default-container annotation", got.Spec.Template.Annotations[defaultContainerAnnotation], want.Spec.Template.Annotations[defaultContainerAnnotation]},
	}
	for _, c := range checks {
		if !equality.Semantic.DeepEqual(c.got, c.want) {
			t.Errorf("%s: chart %+v, config/manager %+v", c.field, c.got, c.want)
		}
	}
}

// TestOperatorChartImagesMatchTheBundle checks the chart against the
// release it belongs to: appVersion is the CSV version, the default image
// is the bundled one, and the RELATED_IMAGE_* variables are the operator's
// own image table.
func TestOperatorChartImagesMatchTheBundle(t *testing.T) {
	csv := committedBundle(t).CSV
	ch, err := loader.Load(filepath.Join(repoRoot(), OperatorChartDir))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Metadata.AppVersion != csv.Spec.Version.String() {
		t.Errorf("chart appVersion %q, CSV version %q", ch.Metadata.AppVersion, csv.Spec.Version.String())
	}
	c := chartDeployment(t, mustRender(t, nil)).Spec.Template.Spec.Containers[0]
	if c.Image != csv.Annotations["containerImage"] {
		t.Errorf("chart image %q, bundled image %q", c.Image, csv.Annotations["containerImage"])
	}
	env := envOf(c)
	// GOMEMLIMIT comes from the container's memory limit (valueFrom).
	want := map[string]string{WatchNamespaceEnv: "", OperatorImageEnv: c.Image, "GOMEMLIMIT": ""}
	for _, img := range images.All {
		if img.Env != OperatorImageEnv {
			want[img.Env] = img.Default
		}
	}
	if !equality.Semantic.DeepEqual(env, want) {
		t.Errorf("env = %v, want %v", env, want)
	}
}

// TestOperatorChartValues checks that the scheduling and image values
// reach the Deployment.
func TestOperatorChartValues(t *testing.T) {
	d := chartDeployment(t, mustRender(t, map[string]any{
		"image":            map[string]any{"repository": "mirror.example.com/nats-operator", "tag": "9.9.9"},
		"leaderElection":   map[string]any{"enabled": false},
		"nodeSelector":     map[string]any{"kubernetes.io/os": "linux"},
		"tolerations":      []any{map[string]any{"key": "dedicated", "operator": "Exists"}},
		"affinity":         map[string]any{"nodeAffinity": map[string]any{}},
		"resources":        map[string]any{"requests": map[string]any{"memory": "1Gi"}},
		"relatedImages":    map[string]any{"NATS": "mirror.example.com/nats:2.15.2"},
		"imagePullSecrets": []any{map[string]any{"name": "pull"}},
	}))
	spec := d.Spec.Template.Spec
	c := spec.Containers[0]
	env := envOf(c)
	checks := []struct {
		field     string
		got, want any
	}{
		{"image", c.Image, "mirror.example.com/nats-operator:9.9.9"},
		{"RELATED_IMAGE_OPERATOR", env[OperatorImageEnv], "mirror.example.com/nats-operator:9.9.9"},
		{"RELATED_IMAGE_NATS", env["RELATED_IMAGE_NATS"], "mirror.example.com/nats:2.15.2"},
		{"args without --leader-elect", c.Args, []string{"run", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443"}},
		{"nodeSelector", spec.NodeSelector, map[string]string{"kubernetes.io/os": "linux"}},
		{"tolerations", spec.Tolerations, []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}},
		{"affinity", spec.Affinity != nil && spec.Affinity.NodeAffinity != nil, true},
		{"memory request", c.Resources.Requests.Memory().String(), "1Gi"},
		{"imagePullSecrets", spec.ImagePullSecrets, []corev1.LocalObjectReference{{Name: "pull"}}},
	}
	for _, ch := range checks {
		if !equality.Semantic.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.field, ch.got, ch.want)
		}
	}
}

func TestOperatorChartRefusesBadValues(t *testing.T) {
	tests := []struct {
		name    string
		vals    map[string]any
		wantErr string
	}{
		{
			name:    "cluster-scoped with namespaces",
			vals:    map[string]any{"clusterScoped": true, "watchNamespaces": []any{"a"}},
			wantErr: "watchNamespaces needs clusterScoped: false",
		},
		{
			name:    "namespaces with the default scope",
			vals:    map[string]any{"watchNamespaces": []any{"a"}},
			wantErr: "add --set clusterScoped=false",
		},
		{name: "misspelled key", vals: map[string]any{"watchNamespace": "a"}, wantErr: "watchNamespace"},
		{name: "invalid namespace name", vals: map[string]any{"watchNamespaces": []any{"Team_A"}}, wantErr: "/watchNamespaces/0': 'Team_A' does not match pattern"},
		{name: "related image key not an env suffix", vals: map[string]any{"relatedImages": map[string]any{"nats": "x"}}, wantErr: "'nats' does not match pattern '^[A-Z0-9_]+$'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := renderOperatorChart(t, tt.vals)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func readDocs(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var raw map[string]any
		if err := dec.Decode(&raw); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if raw != nil {
			out = append(out, &unstructured.Unstructured{Object: raw})
		}
	}
	return out
}

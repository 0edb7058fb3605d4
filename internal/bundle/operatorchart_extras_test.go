package bundle

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// TestOperatorChartMetricsMatchConfig: the chart ships what config/metrics
// ships, so that /metrics is scrapable out of the box in every install: a
// Service on the Deployment's metrics port selecting the operator's pod, and
// the metrics-reader ClusterRole for scrapers.
func TestOperatorChartMetricsMatchConfig(t *testing.T) {
	var wantSvc *corev1.Service
	var wantRole *rbacv1.ClusterRole
	for _, name := range []string{"metrics_service.yaml", "metrics_reader_role.yaml"} {
		for _, u := range readDocs(t, filepath.Join(repoRoot(), "config", "metrics", name)) {
			switch u.GetKind() {
			case "Service":
				wantSvc = convert[corev1.Service](t, u)
			case "ClusterRole":
				wantRole = convert[rbacv1.ClusterRole](t, u)
			}
		}
	}
	if wantSvc == nil || wantRole == nil {
		t.Fatal("config/metrics lacks the Service or the ClusterRole")
	}
	objs := mustRender(t, nil)
	u, ok := objs["Service/"+chartNamespace+"/nats-operator-metrics"]
	if !ok {
		t.Fatalf("no metrics Service; objects: %v", sortedKeys(objs))
	}
	svc := convert[corev1.Service](t, u)
	if !equality.Semantic.DeepEqual(svc.Spec.Ports, wantSvc.Spec.Ports) {
		t.Errorf("metrics Service ports %+v, config/metrics %+v", svc.Spec.Ports, wantSvc.Spec.Ports)
	}
	pod := chartDeployment(t, objs).Spec.Template
	for k, v := range svc.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("metrics Service selector %s=%s does not select the operator's pod (labels %v)", k, v, pod.Labels)
		}
	}
	port := svc.Spec.Ports[0].TargetPort.StrVal
	found := false
	for _, p := range pod.Spec.Containers[0].Ports {
		found = found || p.Name == port
	}
	if !found {
		t.Errorf("metrics Service targets port %q, which the operator's container does not name", port)
	}
	ru, ok := objs["ClusterRole//nats-operator-metrics-reader"]
	if !ok {
		t.Fatalf("no metrics-reader ClusterRole; objects: %v", sortedKeys(objs))
	}
	if role := convert[rbacv1.ClusterRole](t, ru); !equality.Semantic.DeepEqual(role.Rules, wantRole.Rules) {
		t.Errorf("metrics-reader rules %+v, config/metrics %+v", role.Rules, wantRole.Rules)
	}
}

// TestOperatorChartCreatesMissingWatchedNamespaces: offline (no cluster
// to look up) every watched namespace but the release's is rendered, kept
// on uninstall; the install test on the API server checks the lookup.
func TestOperatorChartCreatesMissingWatchedNamespaces(t *testing.T) {
	objs := mustRender(t, map[string]any{"clusterScoped": false, "watchNamespaces": []any{"team-a", chartNamespace}})
	u, ok := objs["Namespace//team-a"]
	if !ok {
		t.Fatalf("watched namespace team-a not rendered; objects: %v", sortedKeys(objs))
	}
	if got := u.GetAnnotations()["helm.sh/resource-policy"]; got != "keep" {
		t.Errorf("namespace team-a resource-policy %q, want keep (uninstall must not delete NatsClusters)", got)
	}
	if _, ok := objs["Namespace//"+chartNamespace]; ok {
		t.Errorf("the release namespace is rendered; Helm owns it (--create-namespace)")
	}
	if _, ok := mustRender(t, nil)["Namespace//"+chartNamespace]; ok {
		t.Errorf("a cluster-scoped install renders a Namespace")
	}
}

// TestOperatorChartNotesNameOnlyShippedFiles: NOTES.txt is read after
// `helm install` from a chart repository, where only the chart's own files
// exist; every file it names must be one of them.
func TestOperatorChartNotesNameOnlyShippedFiles(t *testing.T) {
	chartDir := filepath.Join(repoRoot(), OperatorChartDir)
	ch, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	fileRef := regexp.MustCompile(`[\w./-]+\.(?:ya?ml|json|md|txt|conf)\b`)
	for _, vals := range []map[string]any{nil, {"clusterScoped": false, "watchNamespaces": []any{"team-a"}}} {
		top, err := chartutil.ToRenderValues(ch, vals, chartutil.ReleaseOptions{Name: chartRelease, Namespace: chartNamespace, IsInstall: true}, chartutil.DefaultCapabilities)
		if err != nil {
			t.Fatal(err)
		}
		out, err := engine.Render(ch, top)
		if err != nil {
			t.Fatal(err)
		}
		notes := out[ch.Name()+"/templates/NOTES.txt"]
		if strings.TrimSpace(notes) == "" {
			t.Fatalf("NOTES.txt rendered empty for %v", vals)
		}
		for _, ref := range fileRef.FindAllString(notes, -1) {
			if _, err := os.Stat(filepath.Join(chartDir, ref)); err != nil {
				t.Errorf("NOTES.txt names %q, which the chart does not ship", ref)
			}
		}
		if !strings.Contains(notes, "nats-operator-metrics") {
			t.Errorf("NOTES.txt does not say where the metrics are:\n%s", notes)
		}
	}
}

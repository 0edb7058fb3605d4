package refused_test

// Hooks: the hook bypass of the post-render guard: Helm
// separates hook documents before post-rendering, so a hook object never
// reaches the guard. It passes once every Helm action runs with hooks
// disabled (internal/operator/helm.go: Install/Upgrade/Rollback/Uninstall
// DisableHooks = true).

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

const hook = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "%s-hook" .Release.Name | quote }}
  namespace: kube-system
  annotations: {"helm.sh/hook": "pre-install,pre-upgrade"}
data: {a: b}
`

func TestHooksNeverRun(t *testing.T) {
	testutil.Integration(t)
	dir := t.TempDir()
	chart := filepath.Join(dir, "nats-cluster")
	if err := os.CopyFS(chart, os.DirFS(filepath.Join(testutil.RepoRoot(), "helm-charts", "nats-cluster"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(chart, "templates", "hook.yaml"), []byte(hook), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "watches.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf("- {group: nats.io, version: v1alpha2, kind: NatsCluster, chart: %q}\n", chart)), 0o600); err != nil {
		t.Fatal(err)
	}
	stop, err := cp.RunOperatorWithWatches(operator.Options{}, path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stop() }()
	ns := cp.Namespace(t, "hook")
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "h", Namespace: ns}}
	nc.Spec.Size = ptr.To[int32](1)
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	// The release is installed (hooks run before its objects are created).
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		return cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &corev1.Service{})
	})
	err = cp.Client.Get(context.Background(), types.NamespacedName{Namespace: "kube-system", Name: "h-hook"}, &corev1.ConfigMap{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("hook ConfigMap kube-system/h-hook: err = %v, want NotFound (a hook bypasses the post-render guard)", err)
	}
}

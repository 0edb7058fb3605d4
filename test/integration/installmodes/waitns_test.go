package installmodes_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestOperatorWaitsForAWatchedNamespaceItMayNotListYet: WATCH_NAMESPACE
// names a namespace that does not exist yet, and the operator has
// namespaced RBAC only (the chart's Roles), so the API server refuses its
// list there. The operator still reconciles the namespace it may list, and
// picks the other one up once the namespace and its Role exist.
func TestOperatorWaitsForAWatchedNamespaceItMayNotListYet(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	const release = "nats-operator-wait"
	releaseNS, existing := cp.Namespace(t, "wait"), cp.Namespace(t, "wait-team")
	later := "wait-later-" + rand.String(5)
	installChart(t, releaseNS, release, existing)
	stop := runWatchingAs(t, releaseNS, release, []string{existing, later})
	defer stop()
	waitReconciled(t, createCluster(t, existing, "now"))

	grantLikeChart(ctx, t, existing, later, release)
	waitReconciled(t, createCluster(t, later, "later"))
}

// TestOperatorWaitsWhenNoWatchedNamespaceIsListable: with no watched
// namespace listable at all the operator must not fall back to every
// namespace (an empty list); it waits, then runs once one is.
func TestOperatorWaitsWhenNoWatchedNamespaceIsListable(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	const release = "nats-operator-none"
	releaseNS, existing := cp.Namespace(t, "none"), cp.Namespace(t, "none-team")
	later := "none-later-" + rand.String(5)
	installChart(t, releaseNS, release, existing)
	stop := runWatchingAs(t, releaseNS, release, []string{later})
	defer stop()
	ignored := createCluster(t, existing, "not-watched")
	rv := ignored.ResourceVersion

	grantLikeChart(ctx, t, existing, later, release)
	waitReconciled(t, createCluster(t, later, "later"))
	if err := untouched(ctx, ignored, rv); err != nil {
		t.Errorf("a namespace outside WATCH_NAMESPACE was reconciled: %v", err)
	}
}

// installChart installs the operator chart as release, namespace-scoped to
// watched, and uninstalls it when the test ends.
func installChart(t *testing.T, releaseNS, release string, watched ...string) {
	t.Helper()
	ch, err := loader.Load(filepath.Join(testutil.RepoRoot(), "helm-charts", "nats-operator"))
	if err != nil {
		t.Fatal(err)
	}
	install := action.NewInstall(helmConfig(t, releaseNS))
	install.ReleaseName, install.Namespace, install.SkipCRDs = release, releaseNS, true
	namespaces := make([]any, len(watched))
	for i, ns := range watched {
		namespaces[i] = ns
	}
	vals := map[string]any{"clusterScoped": false, "watchNamespaces": namespaces, "leaderElection": map[string]any{"enabled": false}}
	if _, err := install.Run(ch, vals); err != nil {
		t.Fatalf("helm install: %v", err)
	}
	t.Cleanup(func() {
		if _, err := action.NewUninstall(helmConfig(t, releaseNS)).Run(release); err != nil {
			t.Errorf("helm uninstall: %v", err)
		}
	})
}

// runWatchingAs runs cli.RunWatching as the chart's ServiceAccount
// (impersonated, so the API server applies exactly the chart's RBAC) and
// returns the function that stops it.
func runWatchingAs(t *testing.T, releaseNS, release string, watched []string) (stop func()) {
	t.Helper()
	sa := &testutil.ControlPlane{Config: rest.CopyConfig(cp.Config), Client: cp.Client}
	sa.Config.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + releaseNS + ":" + release,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + releaseNS, "system:authenticated"},
	}
	direct, err := client.New(sa.Config, client.Options{Scheme: cp.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cli.RunWatching(ctx, testLogger(t), direct, watched, 300*time.Millisecond,
			func(ctx context.Context, namespaces []string) error {
				if len(namespaces) == 0 {
					return fmt.Errorf("started on every namespace, want some of %v", watched)
				}
				stopOperator, err := sa.RunOperator(operator.Options{WatchNamespaces: namespaces})
				if err != nil {
					return err
				}
				<-ctx.Done()
				return stopOperator()
			})
	}()
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("operator: %v", err)
		}
	}
}

// grantLikeChart creates namespace to with the operator's Role and
// RoleBinding copied from namespace from, as a chart upgrade would.
func grantLikeChart(ctx context.Context, t *testing.T, from, to, name string) {
	t.Helper()
	var role rbacv1.Role
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: from, Name: name + "-manager"}, &role); err != nil {
		t.Fatal(err)
	}
	var binding rbacv1.RoleBinding
	if err := cp.Client.Get(ctx, client.ObjectKey{Namespace: from, Name: name + "-manager"}, &binding); err != nil {
		t.Fatal(err)
	}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: to}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: to, Name: role.Name}, Rules: role.Rules},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: to, Name: binding.Name}, RoleRef: binding.RoleRef, Subjects: binding.Subjects},
	}
	for _, o := range objs {
		if err := cp.Client.Create(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

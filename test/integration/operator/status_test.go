package operator_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestStatusStaysSmall: a deployed NatsCluster's status names its release
// and the manifest's digest, not the manifest, so `kubectl describe` fits
// on a screen and the cached object stays small.
func TestStatusStaysSmall(t *testing.T) {
	nc := deployed(t, "small")
	var u unstructured.Unstructured
	u.SetGroupVersionKind(natsv1alpha2.NatsClusterGVK)
	waitState(t, nc, natsv1alpha2.StateProgressing) // no kubelet: the servers never start
	mustGet(t, client.ObjectKeyFromObject(nc), &u)
	raw, err := json.Marshal(u.Object["status"])
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 2048 {
		t.Errorf("status is %d bytes, want ≤ 2 KiB: %s", len(raw), raw)
	}
	release, _, _ := unstructured.NestedStringMap(u.Object, "status", "deployedRelease")
	if release["name"] != nc.Name || !strings.HasPrefix(release["digest"], "sha256:") || len(release) != 2 {
		t.Errorf("deployedRelease = %v, want the name and the manifest's digest only", release)
	}
}

// TestRefusedChangeIsRefusedAtAGlance: a change nats-server refuses leaves
// the release running, Deployed stays True with the same release, the
// STATUS column says Refused and a Warning Event says why; the fix brings
// the cluster back.
func TestRefusedChangeIsRefusedAtAGlance(t *testing.T) {
	nc := deployed(t, "glance")
	key := client.ObjectKeyFromObject(nc)
	waitState(t, nc, natsv1alpha2.StateProgressing)
	var before natsv1alpha2.NatsCluster
	mustGet(t, key, &before)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.ChartValues = &apiextensionsv1.JSON{Raw: []byte(`{"config": {"merge": {"max_payloads": 1024}}}`)}
	})
	got := waitState(t, nc, natsv1alpha2.StateRefused)
	if c := conditionOf(got, natsv1alpha2.ConditionDeployed); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Deployed = %+v, want True: the previous release is still running", c)
	}
	if *got.Status.DeployedRelease != *before.Status.DeployedRelease {
		t.Errorf("deployedRelease %+v, want the running one %+v", got.Status.DeployedRelease, before.Status.DeployedRelease)
	}
	if cell := statusColumn(t, nc); cell != string(natsv1alpha2.StateRefused) {
		t.Errorf("kubectl get shows STATUS %q, want Refused", cell)
	}
	waitWarningEvent(t, nc, "max_payloads")

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) { s.ChartValues = nil })
	waitState(t, nc, natsv1alpha2.StateProgressing)
}

// TestMissingSecretIsAnAuthErrorAtAGlance: a spec.auth reference to a
// Secret that does not exist shows as STATUS AuthError, a one-line
// AuthReady condition and a Warning Event that say which Secret to create;
// the running release stays; creating the Secret brings the cluster back.
func TestMissingSecretIsAnAuthErrorAtAGlance(t *testing.T) {
	nc := deployed(t, "missing-secret")
	var before natsv1alpha2.NatsCluster
	mustGet(t, client.ObjectKeyFromObject(nc), &before)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.Auth = &natsv1alpha2.AuthConfig{ClientsAuthSecret: "no-such-secret"}
	})
	want := "Secret " + nc.Namespace + "/no-such-secret not found: create it"
	got := waitState(t, nc, natsv1alpha2.StateAuthError)
	if c := conditionOf(got, natsv1alpha2.ConditionAuthReady); c == nil || c.Status != metav1.ConditionFalse ||
		!strings.Contains(c.Message, want) || strings.Contains(c.Message, "\n") {
		t.Errorf("AuthReady = %+v, want False, one line containing %q", c, want)
	}
	if c := conditionOf(got, natsv1alpha2.ConditionDeployed); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("Deployed = %+v, want True: the previous release is still running", c)
	}
	if cell := statusColumn(t, nc); cell != string(natsv1alpha2.StateAuthError) {
		t.Errorf("kubectl get shows STATUS %q, want AuthError", cell)
	}
	waitWarningEvent(t, nc, want)

	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "no-such-secret", Namespace: nc.Namespace},
		StringData: map[string]string{"clients-auth.json": `{"users": [{"user": "a", "password": "pw-of-a"}]}`},
	}
	if err := cp.Client.Create(context.Background(), secret); err != nil {
		t.Fatal(err)
	}
	waitCondition(t, client.ObjectKeyFromObject(nc), natsv1alpha2.ConditionAuthReady, metav1.ConditionTrue)
}

// waitState waits until the NatsCluster's state is want.
func waitState(t *testing.T, nc *natsv1alpha2.NatsCluster, want natsv1alpha2.ClusterState) *natsv1alpha2.NatsCluster {
	t.Helper()
	var got natsv1alpha2.NatsCluster
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &got); err != nil {
			return err
		}
		if got.Status.State != want {
			return fmt.Errorf("state %q, want %q; conditions %+v", got.Status.State, want, got.Status.Conditions)
		}
		return nil
	})
	return &got
}

// statusColumn is the STATUS cell of nc in the table the API server
// prints for kubectl get.
func statusColumn(t *testing.T, nc *natsv1alpha2.NatsCluster) string {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := cs.RESTClient().Get().AbsPath("/apis/nats.io/v1alpha2/namespaces", nc.Namespace, "natsclusters", nc.Name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").DoRaw(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var table metav1.Table
	if err := json.Unmarshal(raw, &table); err != nil {
		t.Fatal(err)
	}
	for i, c := range table.ColumnDefinitions {
		if c.Name == "Status" && len(table.Rows) == 1 {
			return fmt.Sprint(table.Rows[0].Cells[i])
		}
	}
	t.Fatalf("no Status column in %+v", table.ColumnDefinitions)
	return ""
}

// TestKubectlNamesResolve: `kubectl get nats` means NatsClusters (short
// name), not a category that also holds NatsServiceRoles; NatsServiceRoles
// show their cluster and whether the token is issued.
func TestKubectlNamesResolve(t *testing.T) {
	testutil.Integration(t)
	dc, err := discovery.NewDiscoveryClientForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	list, err := dc.ServerResourcesForGroupVersion(natsv1alpha2.GroupVersion.String())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list.APIResources {
		if slices.Contains(r.Categories, "nats") {
			t.Errorf("%s is in category nats: kubectl resolves `kubectl get nats` to the category, not to NatsCluster", r.Name)
		}
		if r.Name == "natsclusters" && !slices.Contains(r.ShortNames, "nats") {
			t.Errorf("natsclusters short names %v, want nats", r.ShortNames)
		}
	}
	var crd unstructured.Unstructured
	crd.SetGroupVersionKind(apiextensionsv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
	mustGet(t, client.ObjectKey{Name: "natsserviceroles.nats.io"}, &crd)
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	var columns []string
	for _, v := range versions {
		printed, _, _ := unstructured.NestedSlice(v.(map[string]any), "additionalPrinterColumns")
		for _, c := range printed {
			columns = append(columns, fmt.Sprint(c.(map[string]any)["name"]))
		}
	}
	if !slices.Contains(columns, "Cluster") || !slices.Contains(columns, "Token") {
		t.Errorf("NatsServiceRole columns %v, want Cluster and Token", columns)
	}
}

// TestConditionsSayWhichGeneration: Deployed's observedGeneration is the
// spec the running release was made from and Ready's the spec whose servers
// it counts, so kubectl wait --for=condition=Ready right after an edit waits
// for that edit: both follow an applied edit (even one that leaves the
// StatefulSet alone), and neither moves to a refused one.
func TestConditionsSayWhichGeneration(t *testing.T) {
	nc := deployed(t, "generations")
	generations := func(want int64) {
		t.Helper()
		testutil.Eventually(t, timeout, func(ctx context.Context) error {
			var cur natsv1alpha2.NatsCluster
			if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
				return err
			}
			d, r := conditionOf(&cur, natsv1alpha2.ConditionDeployed), conditionOf(&cur, natsv1alpha2.ConditionReady)
			if d == nil || r == nil || d.ObservedGeneration != want || r.ObservedGeneration != want {
				return fmt.Errorf("generation %d: Deployed %+v, Ready %+v; want both at %d", cur.Generation, d, r, want)
			}
			return nil
		})
	}
	generations(nc.Generation)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.ServicePolicy = &natsv1alpha2.ServicePolicy{Labels: map[string]string{"team": "messaging"}}
	})
	generations(nc.Generation + 1)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.ChartValues = &apiextensionsv1.JSON{Raw: []byte(`{"config": {"merge": {"max_payloads": 1}}}`)}
	})
	waitState(t, nc, natsv1alpha2.StateRefused)
	generations(nc.Generation + 1)
}

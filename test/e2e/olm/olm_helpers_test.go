//go:build e2e

package olm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	operatorsv1 "github.com/operator-framework/api/pkg/operators/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/test/e2e/e2eutil"
)

const (
	// What OLM takes to resolve, install or remove: an InstallPlan, a CSV
	// reaching Succeeded (its Deployment's pod starting), garbage collection.
	olmTimeout = 5 * time.Minute
	// The operator's Deployment in the CSV.
	operatorDeployment = "nats-operator-controller-manager"
	// The CatalogSource of the latest catalog, shared by the tests.
	catalogName      = "nats-catalog"
	subscriptionName = "nats-operator"
)

// The CRDs the bundle owns; uninstalling removes them by hand, as OLM never does.
var ownedCRDs = []string{"natsclusters.nats.io", "natsserviceroles.nats.io"}

// metricsReader is the bundle's ClusterRole for metrics scrapers (bundle/
// manifests). OLM creates it with the CSV but does not remove it with the
// CSV: it only garbage-collects cluster-scoped objects it made from the
// CSV's own clusterPermissions. Uninstalling removes it by hand.
const metricsReader = "nats-operator-metrics-reader"

// leaderLease is the operator's leader-election Lease in its namespace
// (the run command's --leader-election-id). The operator makes it, not
// OLM, so it stays until it or the namespace is deleted.
const leaderLease = "nats-operator.nats.io"

// eventually retries f until it returns nil (e2eutil.Eventually).
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	e2eutil.Eventually(t, timeout, what, f)
}

func get(o client.Object, ns, name string) error {
	return kc.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, o)
}

func create(t *testing.T, o client.Object) {
	t.Helper()
	if err := kc.Create(context.Background(), o); err != nil {
		t.Fatalf("create %T %s: %v", o, o.GetName(), err)
	}
}

// deleteAndWait deletes o and waits until it is gone.
func deleteAndWait(t *testing.T, o client.Object) {
	t.Helper()
	if err := kc.Delete(context.Background(), o); err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("delete %T %s: %v", o, o.GetName(), err)
	}
	eventually(t, olmTimeout, fmt.Sprintf("%T %s/%s deleted", o, o.GetNamespace(), o.GetName()), func() error {
		err := get(o, o.GetNamespace(), o.GetName())
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return errors.New("still there")
	})
}

// catalog makes a CatalogSource of one of the tests' catalogs in OLM's
// namespace, so that every namespace can subscribe to it, unless it exists,
// and waits until the catalog operator has connected to opm at address.
func catalog(t *testing.T, name, address string) *operatorsv1alpha1.CatalogSource {
	t.Helper()
	cs := &operatorsv1alpha1.CatalogSource{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: env.olmNamespace},
		Spec: operatorsv1alpha1.CatalogSourceSpec{
			SourceType:  operatorsv1alpha1.SourceTypeGrpc,
			Address:     address,
			DisplayName: "nats-operator e2e",
			Publisher:   "make e2e-olm",
		},
	}
	if err := kc.Create(context.Background(), cs); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create CatalogSource: %v", err)
	}
	connected(t, cs, address)
	return cs
}

// connected waits until the catalog operator is connected to the catalog
// of cs at address.
func connected(t *testing.T, cs *operatorsv1alpha1.CatalogSource, address string) {
	t.Helper()
	eventually(t, olmTimeout, "CatalogSource "+cs.Name+" connected to "+address, func() error {
		if err := get(cs, cs.Namespace, cs.Name); err != nil {
			return err
		}
		c := cs.Status.GRPCConnectionState
		if c == nil || c.Address != address || c.LastObservedState != "READY" {
			return fmt.Errorf("connection state %+v", c)
		}
		return nil
	})
}

// installation is one subscription to the package in namespace ns.
type installation struct {
	t  *testing.T
	ns string
	// targets is the olm.targetNamespaces the OperatorGroup gives the operator
	// ("" for all namespaces).
	targets string
}

// subscribe creates ns, an OperatorGroup targeting target (every
// namespace when "", else that one namespace: ns itself for OwnNamespace,
// another for SingleNamespace) and a Subscription to the package's channel
// in the CatalogSource source, approved automatically. startingCSV ""
// installs the channel's head.
func subscribe(t *testing.T, ns, target string, source *operatorsv1alpha1.CatalogSource, startingCSV string) *installation {
	t.Helper()
	create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	t.Cleanup(func() {
		deleteAndWait(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	})
	og := &operatorsv1.OperatorGroup{ObjectMeta: metav1.ObjectMeta{Name: "nats-operator", Namespace: ns}}
	in := &installation{t: t, ns: ns, targets: target}
	if target != "" {
		og.Spec.TargetNamespaces = []string{target}
	}
	create(t, og)
	t.Cleanup(func() {
		if t.Failed() {
			in.dump()
			in.forceRemove()
		}
	})
	create(t, &operatorsv1alpha1.Subscription{
		ObjectMeta: metav1.ObjectMeta{Name: subscriptionName, Namespace: ns},
		Spec: &operatorsv1alpha1.SubscriptionSpec{
			CatalogSource:          source.Name,
			CatalogSourceNamespace: source.Namespace,
			Package:                env.pkg,
			Channel:                env.channel,
			StartingCSV:            startingCSV,
			InstallPlanApproval:    operatorsv1alpha1.ApprovalAutomatic,
		},
	})
	return in
}

// installPlan waits for the InstallPlan that installs csv, approved
// automatically, until it is Complete.
func (in *installation) installPlan(csv string) {
	in.t.Helper()
	var ip operatorsv1alpha1.InstallPlan
	eventually(in.t, olmTimeout, "InstallPlan for "+csv, func() error {
		var list operatorsv1alpha1.InstallPlanList
		if err := kc.List(context.Background(), &list, client.InNamespace(in.ns)); err != nil {
			return err
		}
		for _, p := range list.Items {
			if slices.Contains(p.Spec.ClusterServiceVersionNames, csv) {
				ip = p
				return nil
			}
		}
		return fmt.Errorf("%d InstallPlans, none for %s", len(list.Items), csv)
	})
	if !ip.Spec.Approved {
		in.t.Fatalf("InstallPlan %s is not approved; its approval is %s", ip.Name, ip.Spec.Approval)
	}
	eventually(in.t, olmTimeout, "InstallPlan "+ip.Name+" Complete", func() error {
		if err := get(&ip, in.ns, ip.Name); err != nil {
			return err
		}
		if ip.Status.Phase == operatorsv1alpha1.InstallPlanPhaseFailed {
			in.t.Fatalf("InstallPlan %s failed: %+v", ip.Name, ip.Status.Conditions)
		}
		if ip.Status.Phase != operatorsv1alpha1.InstallPlanPhaseComplete {
			return fmt.Errorf("phase %q", ip.Status.Phase)
		}
		return nil
	})
	in.t.Logf("InstallPlan %s for %s (%s approval): %s", ip.Name, csv, ip.Spec.Approval, ip.Status.Phase)
}

// succeeded waits until csv is Succeeded and the Subscription reports it
// installed; it returns the CSV.
func (in *installation) succeeded(csv string) *operatorsv1alpha1.ClusterServiceVersion {
	in.t.Helper()
	var c operatorsv1alpha1.ClusterServiceVersion
	eventually(in.t, olmTimeout, "CSV "+csv+" Succeeded", func() error {
		if err := get(&c, in.ns, csv); err != nil {
			return err
		}
		if c.Status.Phase == operatorsv1alpha1.CSVPhaseFailed {
			in.t.Fatalf("CSV %s failed: %s: %s", csv, c.Status.Reason, c.Status.Message)
		}
		if c.Status.Phase != operatorsv1alpha1.CSVPhaseSucceeded {
			return fmt.Errorf("phase %q (%s: %s)", c.Status.Phase, c.Status.Reason, c.Status.Message)
		}
		var sub operatorsv1alpha1.Subscription
		if err := get(&sub, in.ns, subscriptionName); err != nil {
			return err
		}
		if sub.Status.InstalledCSV != csv {
			return fmt.Errorf("subscription: installed CSV %q, state %s", sub.Status.InstalledCSV, sub.Status.State)
		}
		return nil
	})
	in.t.Logf("CSV %s: %s (%s), install mode %s", csv, c.Status.Phase, c.Status.Reason, in.mode())
	return &c
}

func (in *installation) mode() string {
	switch in.targets {
	case "":
		return "AllNamespaces"
	case in.ns:
		return "OwnNamespace"
	}
	return "SingleNamespace"
}

// operatorPod checks that the operator OLM deployed for csv runs: its
// Deployment is csv's and available, its pod runs image with the target
// namespaces of the install mode, and every RELATED_IMAGE_* of the CSV is
// in the pod's environment. It returns those variables.
func (in *installation) operatorPod(csv *operatorsv1alpha1.ClusterServiceVersion, image string) map[string]string {
	in.t.Helper()
	want := relatedImageEnv(in.t, csv)
	var pod corev1.Pod
	eventually(in.t, olmTimeout, "the operator pod of "+csv.Name, func() error {
		var d appsv1.Deployment
		if err := get(&d, in.ns, operatorDeployment); err != nil {
			return err
		}
		if owner := d.Labels["olm.owner"]; owner != csv.Name {
			return fmt.Errorf("deployment belongs to %q", owner)
		}
		if d.Status.ObservedGeneration < d.Generation || d.Status.UpdatedReplicas != 1 || d.Status.AvailableReplicas != 1 || d.Status.Replicas != 1 {
			return fmt.Errorf("deployment: %d replicas, %d updated, %d available", d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.AvailableReplicas)
		}
		var pods corev1.PodList
		if err := kc.List(context.Background(), &pods, client.InNamespace(in.ns), client.MatchingLabels(d.Spec.Selector.MatchLabels)); err != nil {
			return err
		}
		if len(pods.Items) != 1 {
			return fmt.Errorf("%d operator pods", len(pods.Items))
		}
		pod = pods.Items[0]
		return nil
	})
	c := pod.Spec.Containers[0]
	if c.Image != image {
		in.t.Errorf("operator pod %s runs %s, want %s", pod.Name, c.Image, image)
	}
	// WATCH_NAMESPACE comes from this annotation (fieldRef).
	if got, ok := pod.Annotations["olm.targetNamespaces"]; !ok || got != in.targets {
		in.t.Errorf("operator pod's olm.targetNamespaces = %q (set: %v), want %q", got, ok, in.targets)
	}
	var watch *corev1.EnvVar
	got := map[string]string{}
	for i, e := range c.Env {
		switch {
		case e.Name == "WATCH_NAMESPACE":
			watch = &c.Env[i]
		case strings.HasPrefix(e.Name, "RELATED_IMAGE_"):
			got[e.Name] = e.Value
		}
	}
	if watch == nil || watch.ValueFrom == nil || watch.ValueFrom.FieldRef == nil ||
		watch.ValueFrom.FieldRef.FieldPath != "metadata.annotations['olm.targetNamespaces']" {
		in.t.Errorf("operator pod's WATCH_NAMESPACE = %+v, want the olm.targetNamespaces annotation", watch)
	}
	for k, v := range want {
		if got[k] != v {
			in.t.Errorf("operator pod: %s = %q, want the CSV's %q", k, got[k], v)
		}
	}
	in.t.Logf("operator pod %s runs %s with olm.targetNamespaces %q and the CSV's %d RELATED_IMAGE_* variables", pod.Name, c.Image, in.targets, len(want))
	return got
}

// relatedImageEnv is the CSV's RELATED_IMAGE_* variables of the operator's
// container, each also listed in spec.relatedImages.
func relatedImageEnv(t *testing.T, csv *operatorsv1alpha1.ClusterServiceVersion) map[string]string {
	t.Helper()
	related := map[string]bool{}
	for _, r := range csv.Spec.RelatedImages {
		related[r.Image] = true
	}
	out := map[string]string{}
	for _, d := range csv.Spec.InstallStrategy.StrategySpec.DeploymentSpecs {
		for _, c := range d.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if strings.HasPrefix(e.Name, "RELATED_IMAGE_") {
					out[e.Name] = e.Value
					if !related[e.Value] {
						t.Errorf("CSV %s: %s=%s is not in spec.relatedImages", csv.Name, e.Name, e.Value)
					}
				}
			}
		}
	}
	if len(out) < 2 {
		t.Fatalf("CSV %s has RELATED_IMAGE_* variables %v, want the operator's and its operands'", csv.Name, out)
	}
	return out
}

// operands is the operand images among the variables: the ones the
// operator deploys, which olm.sh moved to the mirror.
func operands(t *testing.T, related map[string]string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for k, v := range related {
		if k == "RELATED_IMAGE_OPERATOR" {
			continue
		}
		if !strings.HasPrefix(v, env.mirror+"/") {
			t.Errorf("%s=%s: the catalog's CSV should name the mirror %s", k, v, env.mirror)
		}
		out[v] = true
	}
	return out
}

// canCreateStatefulSets asks the API server whether the operator's
// ServiceAccount may create StatefulSets in ns.
func (in *installation) canCreateStatefulSets(ns string) bool {
	in.t.Helper()
	var d appsv1.Deployment
	if err := get(&d, in.ns, operatorDeployment); err != nil {
		in.t.Fatal(err)
	}
	sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:   fmt.Sprintf("system:serviceaccount:%s:%s", in.ns, d.Spec.Template.Spec.ServiceAccountName),
		Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + in.ns, "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Namespace: ns, Verb: "create", Group: "apps", Resource: "statefulsets",
		},
	}}
	if err := kc.Create(context.Background(), sar); err != nil {
		in.t.Fatal(err)
	}
	return sar.Status.Allowed
}

// uninstall removes the operator the way docs/install.md says: the
// NatsClusters first (their finalizers need the running operator), then
// the Subscription and the CSV (OLM removes the Deployment, RBAC and
// Service), then the CRDs and the metrics-reader ClusterRole, which OLM
// leaves, and the operator's leader-election Lease. Then nothing of the
// operator may be left.
func (in *installation) uninstall(clusters ...*natsCluster) {
	in.t.Helper()
	for _, c := range clusters {
		c.deleteAndWait()
	}
	var sub operatorsv1alpha1.Subscription
	if err := get(&sub, in.ns, subscriptionName); err != nil {
		in.t.Fatalf("subscription: %v", err)
	}
	csv := sub.Status.InstalledCSV
	deleteAndWait(in.t, &sub)
	deleteAndWait(in.t, &operatorsv1alpha1.ClusterServiceVersion{ObjectMeta: metav1.ObjectMeta{Name: csv, Namespace: in.ns}})
	for _, crd := range ownedCRDs {
		deleteAndWait(in.t, &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: crd}})
	}
	deleteAndWait(in.t, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: metricsReader}})
	// A running operator would take the Lease again.
	eventually(in.t, olmTimeout, "the operator's pods gone", func() error {
		var pods corev1.PodList
		if err := kc.List(context.Background(), &pods, client.InNamespace(in.ns), client.MatchingLabels{"control-plane": "controller-manager"}); err != nil {
			return err
		}
		if len(pods.Items) > 0 {
			return fmt.Errorf("%d pods", len(pods.Items))
		}
		return nil
	})
	deleteAndWait(in.t, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: leaderLease, Namespace: in.ns}})
	eventually(in.t, olmTimeout, "nothing of "+csv+" left", func() error { return in.leftovers(csv) })
	in.t.Logf("uninstalled %s: no CSV (nor copies), Deployment, pods, ServiceAccount, Service, RBAC or CRD left", csv)
}

// leftovers lists what is left of the install of csv: its CSV or a copy
// in any namespace, OLM's objects in the operator's namespace, RBAC OLM
// made for it anywhere, and the CRDs.
func (in *installation) leftovers(csv string) error {
	ctx := context.Background()
	var left []string
	var csvs operatorsv1alpha1.ClusterServiceVersionList
	if err := kc.List(ctx, &csvs); err != nil {
		return err
	}
	for _, c := range csvs.Items {
		if strings.HasPrefix(c.Name, env.pkg+".") {
			left = append(left, "CSV "+c.Namespace+"/"+c.Name)
		}
	}
	ns := client.InNamespace(in.ns)
	lists := map[string]client.ObjectList{
		"Deployment": &appsv1.DeploymentList{}, "ReplicaSet": &appsv1.ReplicaSetList{}, "Pod": &corev1.PodList{},
		"Service": &corev1.ServiceList{}, "ServiceAccount": &corev1.ServiceAccountList{}, "Secret": &corev1.SecretList{},
		"Role": &rbacv1.RoleList{}, "RoleBinding": &rbacv1.RoleBindingList{},
		"InstallPlan": &operatorsv1alpha1.InstallPlanList{}, "Subscription": &operatorsv1alpha1.SubscriptionList{},
		"ConfigMap": &corev1.ConfigMapList{}, "Lease": &coordinationv1.LeaseList{},
	}
	for kind, l := range lists {
		if err := kc.List(ctx, l, ns); err != nil {
			return err
		}
		items, err := metaItems(l)
		if err != nil {
			return err
		}
		for _, o := range items {
			// The namespace's own.
			if kind == "ServiceAccount" && o.GetName() == "default" || kind == "ConfigMap" && o.GetName() == "kube-root-ca.crt" {
				continue
			}
			left = append(left, kind+" "+in.ns+"/"+o.GetName())
		}
	}
	owned := client.MatchingLabels{"olm.owner": csv}
	for kind, l := range map[string]client.ObjectList{
		"ClusterRole": &rbacv1.ClusterRoleList{}, "ClusterRoleBinding": &rbacv1.ClusterRoleBindingList{},
		"Role": &rbacv1.RoleList{}, "RoleBinding": &rbacv1.RoleBindingList{},
	} {
		if err := kc.List(ctx, l, owned); err != nil {
			return err
		}
		items, err := metaItems(l)
		if err != nil {
			return err
		}
		for _, o := range items {
			left = append(left, kind+" "+o.GetNamespace()+"/"+o.GetName()+" (olm.owner "+csv+")")
		}
	}
	for _, crd := range ownedCRDs {
		err := get(&apiextensionsv1.CustomResourceDefinition{}, "", crd)
		if err == nil {
			left = append(left, "CRD "+crd)
		} else if !apierrors.IsNotFound(err) {
			return err
		}
	}
	if len(left) > 0 {
		slices.Sort(left)
		return fmt.Errorf("left: %s", strings.Join(left, ", "))
	}
	return nil
}

// metaItems is the items of a list.
func metaItems(l client.ObjectList) ([]metav1.Object, error) {
	objs, err := meta.ExtractList(l)
	if err != nil {
		return nil, err
	}
	out := make([]metav1.Object, 0, len(objs))
	for _, o := range objs {
		m, err := meta.Accessor(o)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// dump logs what OLM says about the install, for a failed test.
func (in *installation) dump() {
	ctx := context.Background()
	var ips operatorsv1alpha1.InstallPlanList
	if err := kc.List(ctx, &ips, client.InNamespace(in.ns)); err == nil {
		for _, ip := range ips.Items {
			in.t.Logf("InstallPlan %s %v: phase %s, approved %v, conditions %+v", ip.Name, ip.Spec.ClusterServiceVersionNames, ip.Status.Phase, ip.Spec.Approved, ip.Status.Conditions)
		}
	}
	var csvs operatorsv1alpha1.ClusterServiceVersionList
	if err := kc.List(ctx, &csvs, client.InNamespace(in.ns)); err == nil {
		for _, c := range csvs.Items {
			in.t.Logf("CSV %s: phase %s, %s: %s", c.Name, c.Status.Phase, c.Status.Reason, c.Status.Message)
		}
	}
	var sub operatorsv1alpha1.Subscription
	if err := get(&sub, in.ns, subscriptionName); err == nil {
		in.t.Logf("Subscription: state %s, current %s, installed %s, conditions %+v", sub.Status.State, sub.Status.CurrentCSV, sub.Status.InstalledCSV, sub.Status.Conditions)
	}
}

// forceRemove takes what a failed test left out of the next test's way:
// the Subscription, the CSVs, the NatsClusters (finalizers dropped: the
// operator may be what failed) and the CRDs. Best effort.
func (in *installation) forceRemove() {
	ctx := context.Background()
	_ = kc.DeleteAllOf(ctx, &operatorsv1alpha1.Subscription{}, client.InNamespace(in.ns))
	_ = kc.DeleteAllOf(ctx, &operatorsv1alpha1.ClusterServiceVersion{}, client.InNamespace(in.ns))
	clusters := &unstructured.UnstructuredList{}
	clusters.SetGroupVersionKind(natsClusterGVK.GroupVersion().WithKind("NatsClusterList"))
	if err := kc.List(ctx, clusters); err == nil {
		for i := range clusters.Items {
			c := &clusters.Items[i]
			_ = kc.Patch(ctx, c, client.RawPatch(types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`)))
		}
	}
	for _, crd := range ownedCRDs {
		_ = kc.Delete(ctx, &apiextensionsv1.CustomResourceDefinition{ObjectMeta: metav1.ObjectMeta{Name: crd}})
	}
	_ = kc.Delete(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: metricsReader}})
}

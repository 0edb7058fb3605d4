package operator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// refusedLabel is a label the chart renders fine, from the spec, and the
// test's admission policy refuses.
const refusedLabel = "refused-by-policy"

// TestRefusedApplyIsReportedWithinSeconds: when the API server refuses a
// rendered object, the NatsCluster reports ReleaseFailed with the API
// server's message and a Warning Event says the same, at install and at
// upgrade, at the first attempt rather than after minutes of retries.
func TestRefusedApplyIsReportedWithinSeconds(t *testing.T) {
	testutil.Integration(t)

	// The Services are refused, the StatefulSet is created and removed
	// again with the failed install: the Ready controller writes the status
	// during every attempt, which used to make the Helm reconciler's status
	// write conflict and vanish, every time.
	t.Run("install", func(t *testing.T) {
		ns := cp.Namespace(t, "refused-install")
		refuseLabeled(t, ns, "services", "object.metadata")
		nc := basicExample(t, ns)
		nc.Spec.ServicePolicy = &natsv1alpha2.ServicePolicy{Labels: map[string]string{refusedLabel: "yes"}}
		if err := cp.Client.Create(context.Background(), nc); err != nil {
			t.Fatal(err)
		}
		waitRefusalReported(t, nc)
	})

	t.Run("upgrade", func(t *testing.T) {
		nc := deployed(t, "refused-upgrade")
		refuseLabeled(t, nc.Namespace, "statefulsets", "object.spec.template.metadata")
		patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
			s.Pod = &natsv1alpha2.PodPolicy{Labels: map[string]string{refusedLabel: "yes"}}
		})
		waitRefusalReported(t, nc)
		// The running release is left as it was.
		var sts appsv1.StatefulSet
		mustGet(t, client.ObjectKeyFromObject(nc), &sts)
		if _, ok := sts.Spec.Template.Labels[refusedLabel]; ok {
			t.Errorf("the refused StatefulSet was applied: %v", sts.Spec.Template.Labels)
		}
	})
}

// policyMessage is what the test's admission policy says when it refuses.
const policyMessage = "objects labeled " + refusedLabel + " are not allowed in this namespace"

// refuseLabeled installs a ValidatingAdmissionPolicy that refuses objects
// of resource (core or apps) in ns whose metadata at path carries
// refusedLabel, and waits until the API server enforces it.
func refuseLabeled(t *testing.T, ns, resource, path string) {
	t.Helper()
	ctx := context.Background()
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "refuse-label-" + ns},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
						Rule: admissionregistrationv1.Rule{
							APIGroups: []string{"", "apps"}, APIVersions: []string{"v1"}, Resources: []string{resource},
						},
					},
				}},
			},
			Validations: []admissionregistrationv1.Validation{{
				Expression: fmt.Sprintf("!has(%s.labels) || !(%q in %s.labels)", path, refusedLabel, path),
				Message:    policyMessage,
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: policy.Name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}},
			},
		},
	}
	for _, obj := range []client.Object{policy, binding} {
		if err := cp.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cp.Client.Delete(context.Background(), obj) })
	}
	// Policies take effect asynchronously: wait until a dry-run create of
	// a labeled object is refused.
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		err := cp.Client.Create(ctx, labeledProbe(ns, resource), client.DryRunAll)
		if err == nil || !strings.Contains(err.Error(), policyMessage) {
			return fmt.Errorf("policy not enforced yet (dry-run create: %v)", err)
		}
		return nil
	})
}

// labeledProbe is a valid object of resource carrying refusedLabel where
// the policy looks for it.
func labeledProbe(ns, resource string) client.Object {
	labels := map[string]string{"app": "probe", refusedLabel: "yes"}
	meta := metav1.ObjectMeta{Name: "policy-probe", Namespace: ns}
	if resource == "services" {
		meta.Labels = labels
		return &corev1.Service{ObjectMeta: meta, Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	}
	sts := &appsv1.StatefulSet{ObjectMeta: meta}
	sts.Spec.Selector = &metav1.LabelSelector{MatchLabels: labels}
	sts.Spec.Template.Labels = labels
	sts.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Image: "probe"}}
	return sts
}

// waitRefusalReported waits until nc reports ReleaseFailed with the
// policy's message and a Warning Event on nc says the same.
func waitRefusalReported(t *testing.T, nc *natsv1alpha2.NatsCluster) {
	t.Helper()
	got := waitCondition(t, client.ObjectKeyFromObject(nc), natsv1alpha2.ConditionReleaseFailed, metav1.ConditionTrue)
	if c := conditionOf(got, natsv1alpha2.ConditionReleaseFailed); !strings.Contains(c.Message, policyMessage) {
		t.Errorf("ReleaseFailed message = %q, want the API server's refusal %q", c.Message, policyMessage)
	}
	waitWarningEvent(t, nc, policyMessage)
}

// waitWarningEvent waits for a Warning Event on nc whose message contains
// want.
func waitWarningEvent(t *testing.T, nc *natsv1alpha2.NatsCluster, want string) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var events corev1.EventList
		if err := cp.Client.List(ctx, &events, client.InNamespace(nc.Namespace)); err != nil {
			return err
		}
		var seen []string
		for _, e := range events.Items {
			if e.InvolvedObject.Kind != "NatsCluster" || e.InvolvedObject.Name != nc.Name {
				continue
			}
			if e.Type == corev1.EventTypeWarning && strings.Contains(e.Message, want) {
				return nil
			}
			seen = append(seen, e.Type+" "+e.Reason+": "+e.Message)
		}
		return fmt.Errorf("no Warning Event containing %q on %s; events: %q", want, nc.Name, seen)
	})
}

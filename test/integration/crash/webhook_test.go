package crash_test

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// probeName is the StatefulSet the webhook always refuses, so that the test
// knows when the API server has started calling it.
const probeName = "webhook-probe"

// holdingWebhook is a validating webhook, served on 127.0.0.1, that holds
// the first StatefulSet write matching hold until the test lets it go, and
// then refuses it: the writer sees its request hang exactly mid-action.
// Every other write is allowed.
type holdingWebhook struct {
	hold func(op admissionv1.Operation, sts *appsv1.StatefulSet) bool

	mu      sync.Mutex
	armed   bool
	held    chan struct{} // closed when the request is held
	release chan struct{} // closed by Release
}

// newHoldingWebhook serves the webhook and registers it for StatefulSet
// writes in namespace ns, and returns once the API server calls it.
func newHoldingWebhook(t *testing.T, ns string, hold func(admissionv1.Operation, *appsv1.StatefulSet) bool) *holdingWebhook {
	t.Helper()
	w := &holdingWebhook{hold: hold, armed: true, held: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewTLSServer(w) // listens on 127.0.0.1, certificate for 127.0.0.1
	t.Cleanup(func() {
		w.Release()
		srv.Close()
	})
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	url := srv.URL + "/validate"
	cfg := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "hold-statefulsets-" + ns},
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:         "hold.crash.nats.io",
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule: admissionregistrationv1.Rule{
					APIGroups: []string{"apps"}, APIVersions: []string{"v1"}, Resources: []string{"statefulsets"},
				},
			}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}},
			FailurePolicy:           ptr.To(admissionregistrationv1.Fail),
			SideEffects:             ptr.To(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr.To[int32](30),
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	ctx := context.Background()
	if err := cp.Client.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cp.Client.Delete(context.Background(), cfg) })

	// The API server picks up webhook configurations asynchronously: wait
	// until a dry-run create of the probe is refused by this webhook.
	testutil.Eventually(t, 30*time.Second, func(ctx context.Context) error {
		probe := &appsv1.StatefulSet{
			ObjectMeta: metav1.ObjectMeta{Name: probeName, Namespace: ns},
			Spec: appsv1.StatefulSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "probe"}},
			},
		}
		probe.Spec.Template.Labels = map[string]string{"app": "probe"}
		probe.Spec.Template.Spec.Containers = []corev1.Container{{Name: "c", Image: "probe"}}
		err := cp.Client.Create(ctx, probe, client.DryRunAll)
		if err == nil || !strings.Contains(err.Error(), probeName) {
			return fmt.Errorf("webhook not called yet (dry-run create: %v)", err)
		}
		return nil
	})
	return w
}

// Held waits until the webhook holds a request.
func (w *holdingWebhook) Held(t *testing.T) {
	t.Helper()
	select {
	case <-w.held:
	case <-time.After(60 * time.Second):
		t.Fatal("no StatefulSet write to hold within 60s")
	}
}

// Release lets the held request go (refused) and allows every later write.
func (w *holdingWebhook) Release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed = false
	select {
	case <-w.release:
	default:
		close(w.release)
	}
}

func (w *holdingWebhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
		http.Error(rw, fmt.Sprintf("bad admission review: %v", err), http.StatusBadRequest)
		return
	}
	req := review.Request
	var sts appsv1.StatefulSet
	if err := json.Unmarshal(req.Object.Raw, &sts); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	switch {
	case sts.Name == probeName:
		resp.Allowed, resp.Result = false, &metav1.Status{Message: probeName + " refused"}
	case w.take(req.Operation, &sts):
		select {
		case <-w.release:
		case <-r.Context().Done():
		}
		resp.Allowed, resp.Result = false, &metav1.Status{Message: "held by the crash test"}
	}
	review.Response = resp
	review.Request = nil
	rw.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(rw).Encode(&review) // the API server may have given up
}

// take reports whether this request is the one to hold, and disarms.
func (w *holdingWebhook) take(op admissionv1.Operation, sts *appsv1.StatefulSet) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.armed || !w.hold(op, sts) {
		return false
	}
	w.armed = false
	close(w.held)
	return true
}

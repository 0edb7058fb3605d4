package operator

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/status"
)

// helmConditionTypes are the conditions the Helm reconciler owns; the Go
// controllers own the others (Ready, AuthReady).
var helmConditionTypes = map[string]bool{
	natsv1alpha2.ConditionDeployed:       true,
	natsv1alpha2.ConditionReleaseFailed:  true,
	natsv1alpha2.ConditionIrreconcilable: true,
	natsv1alpha2.ConditionPaused:         true,
	"Initialized":                        true,
}

// failureConditionTypes are the Helm conditions that report a failure the
// user must act on; each transition to True is also a Warning Event.
var failureConditionTypes = []string{natsv1alpha2.ConditionReleaseFailed, natsv1alpha2.ConditionIrreconcilable}

// maxEventMessage bounds an Event's message; Helm errors can be long.
const maxEventMessage = 1024

// postRenderFailure is how Helm wraps a post-renderer's error. The
// post-render guard (internal/confcheck) announces its refusals in an
// Event of its own, so they are not announced twice.
const postRenderFailure = "error while running post render on files"

// helmStatusClient is the Helm reconciler's client. Its status writes never
// lose a failure to a concurrent writer, and each new failure is also a
// Warning Event.
//
// The reconciler writes the whole status of the object it read when the
// reconcile started, and on a conflict drops the write: helm-operator-plugins
// does not retry conflicts and ignores the write's error when the reconcile
// itself failed. The Go controllers write Ready and AuthReady meanwhile: a
// failed install creates the StatefulSet and its uninstall removes it, so
// Ready changes twice during every attempt and ReleaseFailed was lost on
// every attempt, for as long as the failure lasted (13 minutes and more
// for a name the API server refuses as a Service name). Here every status
// write starts from the object as it is now, from the API server, keeps the
// conditions the reconciler does not own and takes the ones it does.
type helmStatusClient struct {
	client.Client
	reader   client.Reader // the API server, not the cache
	recorder record.EventRecorder
}

func (c helmStatusClient) Status() client.SubResourceWriter {
	return helmStatusWriter{SubResourceWriter: c.Client.Status(), reader: c.reader, recorder: c.recorder}
}

type helmStatusWriter struct {
	client.SubResourceWriter
	reader   client.Reader
	recorder record.EventRecorder
}

func (w helmStatusWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	desired, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return w.SubResourceWriter.Update(ctx, obj, opts...)
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		current := &unstructured.Unstructured{}
		current.SetGroupVersionKind(desired.GroupVersionKind())
		if err := w.reader.Get(ctx, client.ObjectKeyFromObject(desired), current); err != nil {
			return err
		}
		before, err := clusterStatus(current)
		if err != nil {
			return err
		}
		helm, err := clusterStatus(desired)
		if err != nil {
			return err
		}
		after := mergeHelmStatus(before, helm)
		st, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&after)
		if err != nil {
			return err
		}
		current.Object["status"] = st
		if err := w.SubResourceWriter.Update(ctx, current, opts...); err != nil {
			return err
		}
		// The reconciler goes on (finalizer removal) from what was written.
		desired.Object = current.Object
		w.recordNewFailures(desired, before, after)
		return nil
	})
}

// mergeHelmStatus is current with the Helm reconciler's conditions and
// deployed release taken from helm.
func mergeHelmStatus(current, helm natsv1alpha2.ClusterStatus) natsv1alpha2.ClusterStatus {
	out := natsv1alpha2.ClusterStatus{DeployedRelease: helm.DeployedRelease}
	taken := map[string]bool{}
	for _, c := range current.Conditions {
		if helmConditionTypes[c.Type] {
			if h := status.Find(helm.Conditions, c.Type); h != nil {
				c = *h
			}
			taken[c.Type] = true
		}
		out.Conditions = append(out.Conditions, c)
	}
	for _, h := range helm.Conditions {
		if helmConditionTypes[h.Type] && !taken[h.Type] {
			out.Conditions = append(out.Conditions, h)
		}
	}
	return out
}

// recordNewFailures emits a Warning Event for each failure condition that
// turned True or changed its message, once per distinct message.
func (w helmStatusWriter) recordNewFailures(obj runtime.Object, before, after natsv1alpha2.ClusterStatus) {
	told := map[string]bool{}
	for _, t := range failureConditionTypes {
		c := status.Find(after.Conditions, t)
		if c == nil || c.Status != metav1.ConditionTrue || told[c.Message] || strings.Contains(c.Message, postRenderFailure) {
			continue
		}
		if old := status.Find(before.Conditions, t); old != nil && old.Status == c.Status && old.Message == c.Message {
			continue
		}
		told[c.Message] = true
		w.recorder.Event(obj, corev1.EventTypeWarning, c.Reason, truncate(fmt.Sprintf("%s: %s", t, c.Message), maxEventMessage))
	}
}

func clusterStatus(u *unstructured.Unstructured) (natsv1alpha2.ClusterStatus, error) {
	var st natsv1alpha2.ClusterStatus
	raw, ok := u.Object["status"].(map[string]any)
	if !ok {
		return st, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &st); err != nil {
		return st, fmt.Errorf("status of %s: %w", u.GetName(), err)
	}
	return st, nil
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

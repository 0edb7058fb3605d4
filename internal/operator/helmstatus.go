package operator

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/status"
)

// helmConditionTypes are the conditions the Helm reconciler owns; the Go
// controllers own the others (Ready, AuthReady).
var helmConditionTypes = status.HelmConditionTypes

// failureConditionTypes are the Helm conditions that report a failure the
// user must act on; each transition to True is also a Warning Event.
var failureConditionTypes = []string{natsv1alpha2.ConditionReleaseFailed, natsv1alpha2.ConditionIrreconcilable}

// postRenderFailure is how Helm wraps a post-renderer's error. The
// post-render guard (internal/confcheck) announces its refusals in an
// Event of its own, so they are not announced twice.
const postRenderFailure = "error while running post render on files"

// helmStatusClient is the Helm reconciler's client. Its writes to a
// NatsCluster never conflict with the Go controllers' and never lose a
// failure, and each new failure is also a Warning Event.
//
// helm-operator-plugins writes the CR twice: its uninstall finalizer with
// an Update of the object it read from the cache, and the whole status of
// that object with Status().Update. Both carry that object's
// resourceVersion, so each failed with 409 whenever Ready or AuthReady had
// been written meanwhile (97 of 100 creates, logged as "failed to add
// uninstall finalizer … the object has been modified"), and a lost status
// write lost ReleaseFailed. Here both are server-side applies as
// helmFieldManager of only what the Helm reconciler writes: its finalizer,
// its condition types and deployedRelease, and Ready and the state as they
// stand (addReady). An apply carries no resourceVersion and leaves every
// other field (AuthReady) to its own writer.
type helmStatusClient struct {
	client.Client
	reader   client.Reader // the API server, not the cache
	recorder record.EventRecorder
}

// Update is how helm-operator-plugins adds and removes its uninstall
// finalizer on the primary object, the only change it makes there.
func (c helmStatusClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	u, ok := obj.(*unstructured.Unstructured)
	if !ok || u.GroupVersionKind() != natsv1alpha2.NatsClusterGVK {
		return c.Client.Update(ctx, obj, opts...)
	}
	want := controllerutil.ContainsFinalizer(u, uninstallFinalizer)
	apply := identity(u)
	if want {
		apply.SetFinalizers([]string{uninstallFinalizer})
	}
	if err := c.Patch(ctx, apply, client.Apply, client.FieldOwner(helmFieldManager), client.ForceOwnership); err != nil {
		return err
	}
	if !want && controllerutil.ContainsFinalizer(apply, uninstallFinalizer) {
		// Added by an Update of an earlier operator version: an apply
		// cannot take away what another field manager owns.
		patch := client.MergeFrom(apply.DeepCopy())
		controllerutil.RemoveFinalizer(apply, uninstallFinalizer)
		if err := c.Patch(ctx, apply, patch); err != nil {
			return err
		}
	}
	u.Object = apply.Object
	return nil
}

// uninstallFinalizer is helm-operator-plugins' finalizer on the CR.
const uninstallFinalizer = "uninstall-helm-release"

// identity is an apply configuration of obj that names it and holds
// nothing else.
func identity(obj *unstructured.Unstructured) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(obj.GroupVersionKind())
	u.SetNamespace(obj.GetNamespace())
	u.SetName(obj.GetName())
	return u
}

func (c helmStatusClient) Status() client.SubResourceWriter {
	return helmStatusWriter{SubResourceWriter: c.Client.Status(), reader: c.reader, recorder: c.recorder}
}

type helmStatusWriter struct {
	client.SubResourceWriter
	reader   client.Reader
	recorder record.EventRecorder
}

// Update applies the Helm reconciler's part of the status it computed,
// when that differs from what the API server holds.
func (w helmStatusWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	desired, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return w.SubResourceWriter.Update(ctx, obj, opts...)
	}
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
	if helm.DeployedRelease != nil {
		helm.DeployedRelease.Digest = manifestDigest(desired)
	}
	owned := helmOwnedStatus(before, helm, desired.GetGeneration())
	after := mergeHelmStatus(before, owned)
	if err := w.addReady(ctx, current, &owned, &after); err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(before, after) {
		desired.Object = current.Object
		return nil
	}
	apply, err := statusApply(desired, owned)
	if err != nil {
		return err
	}
	if err := w.Patch(ctx, apply, client.Apply, client.FieldOwner(helmFieldManager), client.ForceOwnership); err != nil {
		return err
	}
	// The reconciler goes on (finalizer removal) from what was written.
	desired.Object = apply.Object
	w.recordNewFailures(desired, before, after)
	return nil
}

// addReady puts the Ready condition and the state, as they stand with the
// Helm reconciler's new conditions, into its status write: the status
// write of a create or a change is then one request. The Ready controller
// computes the same (status.ReadyOf, status.State) from its cache and
// writes only what differs, that is the StatefulSet's progress between
// Helm reconciles. Both are server-side applies of the same values, so
// neither conflicts with the other, and each apply always carries the
// fields, so neither takes away what the other set.
//
// The StatefulSet is read from the API server: the one this reconcile has
// just created or changed is usually not in the cache yet, and Ready from
// an older copy would be corrected by a second write.
func (w helmStatusWriter) addReady(ctx context.Context, current *unstructured.Unstructured, owned, after *natsv1alpha2.ClusterStatus) error {
	// Only what ReadyOf reads: the whole object need not convert to the
	// typed API (a hostile spec may hold what the schema leaves open), and
	// the Helm reconciler's status must be written whatever the spec holds.
	var nc natsv1alpha2.NatsCluster
	nc.Generation = current.GetGeneration()
	if size, found, err := unstructured.NestedInt64(current.Object, "spec", "size"); err == nil && found {
		nc.Spec.Size = ptr.To(int32(size))
	}
	nc.Status = *after
	sts, err := status.StatefulSetOf(ctx, w.reader, client.ObjectKeyFromObject(current))
	if err != nil {
		return err
	}
	after.Conditions, _ = status.Merge(after.Conditions, status.ReadyOf(&nc, sts), metav1.Now())
	after.State = status.State(after.Conditions)
	owned.Conditions = append(owned.Conditions, *status.Find(after.Conditions, natsv1alpha2.ConditionReady))
	owned.State = after.State
	return nil
}

// manifestDigest is the digest of the manifest helm-operator-plugins puts
// in deployedRelease, which stays in memory: the status carries only the
// digest.
func manifestDigest(obj *unstructured.Unstructured) string {
	manifest, _, _ := unstructured.NestedString(obj.Object, "status", "deployedRelease", "manifest")
	if manifest == "" {
		return ""
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(manifest)))
}

// helmOwnedStatus is the part of the Helm reconciler's status it owns.
// Deployed means the last good release is running: where the reconciler
// says it does not know (a refused dry-run, pause), the release it
// deployed is still the one running, so Deployed and deployedRelease stay.
// Deployed's observedGeneration is the generation the running release was
// made from: generation when this reconcile deployed it, else unchanged.
func helmOwnedStatus(current, helm natsv1alpha2.ClusterStatus, generation int64) natsv1alpha2.ClusterStatus {
	out := natsv1alpha2.ClusterStatus{DeployedRelease: helm.DeployedRelease}
	for _, c := range helm.Conditions {
		if helmConditionTypes[c.Type] {
			out.Conditions = append(out.Conditions, c)
		}
	}
	deployed := status.Find(out.Conditions, natsv1alpha2.ConditionDeployed)
	last := status.Find(current.Conditions, natsv1alpha2.ConditionDeployed)
	if deployed != nil && deployed.Status == metav1.ConditionUnknown && last != nil && last.Status == metav1.ConditionTrue {
		*deployed = *last
		out.DeployedRelease = current.DeployedRelease
	}
	if deployed != nil {
		switch {
		case deployed.Status == metav1.ConditionTrue && !status.HelmHeldBack(out.Conditions):
			deployed.ObservedGeneration = generation
		case last != nil:
			deployed.ObservedGeneration = last.ObservedGeneration
		}
	}
	return out
}

// statusApply is the apply configuration of st as obj's status.
func statusApply(obj *unstructured.Unstructured, st natsv1alpha2.ClusterStatus) (*unstructured.Unstructured, error) {
	raw, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&st)
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", obj.GetName(), err)
	}
	u := identity(obj)
	u.Object["status"] = raw
	return u, nil
}

// mergeHelmStatus is current with the Helm reconciler's conditions and
// deployed release taken from helm.
func mergeHelmStatus(current, helm natsv1alpha2.ClusterStatus) natsv1alpha2.ClusterStatus {
	out := natsv1alpha2.ClusterStatus{State: current.State, DeployedRelease: helm.DeployedRelease}
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
		w.recorder.Event(obj, corev1.EventTypeWarning, c.Reason, status.EventMessage(fmt.Sprintf("%s: %s", t, c.Message)))
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

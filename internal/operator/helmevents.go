package operator

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
)

// helmFieldManager is the field manager of every write the Helm reconciler
// makes to the objects of a release, so that their watch events can be told
// from anyone else's.
const helmFieldManager = "nats-operator-helm"

// releaseSecretType is the type Helm gives its release Secrets.
const releaseSecretType corev1.SecretType = "helm.sh/release.v1"

// helmEventsManager is the manager the Helm reconciler is set up with: the
// same manager, whose cache hands out informers that keep from the Helm
// reconciler the events that need no Helm reconcile.
//
// helm-operator-plugins watches its primary kind, every Secret the CR owns
// and every kind the release renders with no way to pass a predicate (only
// a label selector). So every status write (its own, Ready's, AuthReady's),
// its own finalizer, each write of a release Secret and each object its own
// install or upgrade writes queued the NatsCluster again: three Helm
// reconciles per create and two per size change, each a full dry-run
// render. A Helm reconcile is needed only when the CR's spec, labels,
// annotations or deletion change, when the deployed release record goes
// away, or when someone else changes (or deletes) an object of the release.
type helmEventsManager struct {
	ctrl.Manager
	cache helmEventsCache
}

func newHelmEventsManager(mgr ctrl.Manager, primary schema.GroupVersionKind) helmEventsManager {
	return helmEventsManager{Manager: mgr, cache: helmEventsCache{Cache: mgr.GetCache(), scheme: mgr.GetScheme(), primary: primary}}
}

func (m helmEventsManager) GetCache() cache.Cache { return m.cache }

type helmEventsCache struct {
	cache.Cache
	scheme  *runtime.Scheme
	primary schema.GroupVersionKind
}

func (c helmEventsCache) GetInformer(ctx context.Context, obj client.Object, opts ...cache.InformerGetOption) (cache.Informer, error) {
	inf, err := c.Cache.GetInformer(ctx, obj, opts...)
	if err != nil {
		return nil, err
	}
	gvk, err := apiutil.GVKForObject(obj, c.scheme)
	if err != nil {
		return nil, err
	}
	return c.filtered(inf, gvk), nil
}

func (c helmEventsCache) GetInformerForKind(ctx context.Context, gvk schema.GroupVersionKind, opts ...cache.InformerGetOption) (cache.Informer, error) {
	inf, err := c.Cache.GetInformerForKind(ctx, gvk, opts...)
	if err != nil {
		return nil, err
	}
	return c.filtered(inf, gvk), nil
}

func (c helmEventsCache) filtered(inf cache.Informer, gvk schema.GroupVersionKind) cache.Informer {
	switch gvk {
	case c.primary:
		return filteredInformer{Informer: inf, keep: eventFilter{update: specOrMetadataChanged}}
	case corev1.SchemeGroupVersion.WithKind("Secret"):
		return filteredInformer{Informer: inf, keep: eventFilter{add: never, update: neverUpdate, delete: deployedReleaseRecord}}
	default:
		return filteredInformer{Informer: inf, keep: eventFilter{update: changedByOthers}, view: dependentView}
	}
}

// dependentView hands helm-operator-plugins a cached dependent (slimManaged)
// as the unstructured object its handlers and predicate take.
func dependentView(obj any) any {
	if d, ok := obj.(*cachedDependent); ok {
		return d.Unstructured()
	}
	return obj
}

// eventFilter says which events reach a handler; a nil func keeps all.
type eventFilter struct {
	add    func(obj metav1.Object) bool
	update func(before, after metav1.Object) bool
	delete func(obj metav1.Object) bool
}

func never(metav1.Object) bool            { return false }
func neverUpdate(_, _ metav1.Object) bool { return false }

// specOrMetadataChanged keeps the changes of a CR the Helm reconciler acts
// on: spec (generation), labels, annotations (the install and upgrade
// annotations) and deletion. Status, finalizers and managedFields are
// written by the operator itself.
func specOrMetadataChanged(before, after metav1.Object) bool {
	return before.GetGeneration() != after.GetGeneration() ||
		!equality.Semantic.DeepEqual(before.GetLabels(), after.GetLabels()) ||
		!equality.Semantic.DeepEqual(before.GetAnnotations(), after.GetAnnotations()) ||
		!equality.Semantic.DeepEqual(before.GetDeletionTimestamp(), after.GetDeletionTimestamp())
}

// deployedReleaseRecord keeps the deletion of a release Secret that still
// records a deployed release: someone removed the release, which the next
// reconcile installs again. Superseded revisions are pruned by the Helm
// reconciler itself; the auth Secrets the cluster owns are the Go
// controllers'.
func deployedReleaseRecord(obj metav1.Object) bool {
	s, ok := obj.(*corev1.Secret)
	if ok && s.Type != releaseSecretType {
		return false
	}
	return obj.GetLabels()["status"] != "superseded"
}

// changedByOthers keeps an update of a release's object unless every
// managedFields entry that changed is one the Helm reconciler wrote: its
// own install, upgrade or repair needs no second look, while a change by
// anyone else is drift to repair. An entry of the Helm reconciler that
// changed without a new time lost fields to someone else's write (a label
// removed by hand), which is drift too.
func changedByOthers(before, after metav1.Object) bool {
	changed := changedEntries(before.GetManagedFields(), after.GetManagedFields())
	if len(changed) == 0 {
		return true
	}
	for _, c := range changed {
		if c.now.Manager != helmFieldManager || !c.rewritten() {
			return true
		}
	}
	return false
}

// entryChange is a managedFields entry before (nil if new) and after (the
// zero entry if it went away).
type entryChange struct {
	before *metav1.ManagedFieldsEntry
	now    metav1.ManagedFieldsEntry
}

// rewritten tells whether the entry's manager wrote it: a new entry or a
// new time.
func (c entryChange) rewritten() bool {
	return c.before == nil || !equality.Semantic.DeepEqual(c.before.Time, c.now.Time)
}

// changedEntries lists the managedFields entries that differ between old
// and new.
func changedEntries(before, after []metav1.ManagedFieldsEntry) []entryChange {
	type key struct{ manager, operation, subresource string }
	earlier := map[key]metav1.ManagedFieldsEntry{}
	for _, e := range before {
		earlier[key{e.Manager, string(e.Operation), e.Subresource}] = e
	}
	var out []entryChange
	for _, e := range after {
		k := key{e.Manager, string(e.Operation), e.Subresource}
		b, ok := earlier[k]
		switch {
		case !ok:
			out = append(out, entryChange{now: e})
		case !equality.Semantic.DeepEqual(b, e):
			out = append(out, entryChange{before: &b, now: e})
		}
		delete(earlier, k)
	}
	for _, b := range earlier {
		out = append(out, entryChange{before: &b})
	}
	return out
}

// filteredInformer hands each handler added to it only the events keep
// lets through, each object as view shows it (nil: as cached).
type filteredInformer struct {
	cache.Informer
	keep eventFilter
	view func(any) any
}

func (i filteredInformer) handler(next toolscache.ResourceEventHandler) filteredHandler {
	view := i.view
	if view == nil {
		view = func(obj any) any { return obj }
	}
	return filteredHandler{next: next, keep: i.keep, view: view}
}

func (i filteredInformer) AddEventHandler(h toolscache.ResourceEventHandler) (toolscache.ResourceEventHandlerRegistration, error) {
	return i.Informer.AddEventHandler(i.handler(h))
}

func (i filteredInformer) AddEventHandlerWithResyncPeriod(h toolscache.ResourceEventHandler, d time.Duration) (toolscache.ResourceEventHandlerRegistration, error) {
	return i.Informer.AddEventHandlerWithResyncPeriod(i.handler(h), d)
}

func (i filteredInformer) AddEventHandlerWithOptions(h toolscache.ResourceEventHandler, o toolscache.HandlerOptions) (toolscache.ResourceEventHandlerRegistration, error) {
	return i.Informer.AddEventHandlerWithOptions(i.handler(h), o)
}

type filteredHandler struct {
	next toolscache.ResourceEventHandler
	keep eventFilter
	view func(any) any
}

func (h filteredHandler) OnAdd(obj any, isInInitialList bool) {
	if m, err := meta.Accessor(obj); err == nil && h.keep.add != nil && !h.keep.add(m) {
		return
	}
	h.next.OnAdd(h.view(obj), isInInitialList)
}

func (h filteredHandler) OnUpdate(oldObj, newObj any) {
	o, err1 := meta.Accessor(oldObj)
	n, err2 := meta.Accessor(newObj)
	if err1 == nil && err2 == nil && h.keep.update != nil && !h.keep.update(o, n) {
		return
	}
	h.next.OnUpdate(h.view(oldObj), h.view(newObj))
}

func (h filteredHandler) OnDelete(obj any) {
	inner := obj
	tomb, isTomb := obj.(toolscache.DeletedFinalStateUnknown)
	if isTomb {
		inner = tomb.Obj
	}
	if m, err := meta.Accessor(inner); err == nil && h.keep.delete != nil && !h.keep.delete(m) {
		return
	}
	if isTomb {
		h.next.OnDelete(toolscache.DeletedFinalStateUnknown{Key: tomb.Key, Obj: h.view(tomb.Obj)})
		return
	}
	h.next.OnDelete(h.view(obj))
}

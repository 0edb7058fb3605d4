package operator

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// pendingInMemory is a Helm release storage driver that keeps the pending
// record of an action (pending-install, pending-upgrade, pending-rollback)
// in memory and writes the release record once, with the action's outcome.
//
// Helm creates the new revision's record as pending before it touches any
// object and updates it to deployed or failed when the action returns: two
// writes of a ~25 KB Secret per install, upgrade and rollback, where the
// floor is one. The pending record is also the lock that a process dying
// in between leaves behind (recoverPendingRelease). Kept in memory:
//   - a finished action writes exactly one record, the same one Helm would
//     have left;
//   - an action cut short leaves the history as it was before it started:
//     no record of an install, the previous deployed revision of an upgrade.
//     The next reconcile installs or upgrades again; Helm takes over the
//     objects the cut-short action made, as they carry this release's
//     ownership annotations, and bases an upgrade on the last deployed
//     revision. Nothing is locked, so nothing needs recovering.
//
// What is lost is what nothing here reads: the pending status of an action
// in flight, seen by another Helm client (the operator is the release's
// only writer; see recoverPendingRelease).
//
// One pendingInMemory serves one action configuration, that is one
// reconcile of one release.
type pendingInMemory struct {
	driver.Driver // the release Secrets on the API server
	// stored tells whether anything is stored under a key, a record Helm
	// can read or not. The Secrets driver's Get cannot tell: it panics on
	// a Secret that holds no release (helm v3.21.1, secrets.go).
	stored func(key string) (bool, error)

	mu      sync.Mutex
	pending map[string]*release.Release // by storage key
}

func withPendingInMemory(d driver.Driver, stored func(key string) (bool, error)) *pendingInMemory {
	return &pendingInMemory{Driver: d, stored: stored, pending: map[string]*release.Release{}}
}

func isPending(rls *release.Release) bool {
	return rls.Info != nil && rls.Info.Status.IsPending()
}

// Create keeps a pending record in memory and writes any other. A pending
// record is held only while nothing is stored under its key: Helm's
// create of the pending record is also the check that the revision is
// free, made before any object is touched, and a record planted under the
// next revision's name (by anyone who may create Secrets in the
// namespace) must stop the action there, not after it has made objects
// that no record then lists.
func (d *pendingInMemory) Create(key string, rls *release.Release) error {
	if !isPending(rls) {
		return d.Driver.Create(key, rls)
	}
	taken, err := d.stored(key)
	if err != nil {
		return err
	}
	if taken {
		return driver.ErrReleaseExists
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending[key] = rls
	return nil
}

// Update of a record held in memory writes it, as a create, once it is no
// longer pending.
func (d *pendingInMemory) Update(key string, rls *release.Release) error {
	d.mu.Lock()
	_, held := d.pending[key]
	if held {
		if isPending(rls) {
			d.pending[key] = rls
			d.mu.Unlock()
			return nil
		}
		delete(d.pending, key)
	}
	d.mu.Unlock()
	if held {
		return d.Driver.Create(key, rls)
	}
	return d.Driver.Update(key, rls)
}

func (d *pendingInMemory) Delete(key string) (*release.Release, error) {
	d.mu.Lock()
	rls, held := d.pending[key]
	delete(d.pending, key)
	d.mu.Unlock()
	if held {
		return rls, nil
	}
	return d.Driver.Delete(key)
}

func (d *pendingInMemory) Get(key string) (*release.Release, error) {
	d.mu.Lock()
	rls, held := d.pending[key]
	d.mu.Unlock()
	if held {
		return rls, nil
	}
	return d.Driver.Get(key)
}

func (d *pendingInMemory) List(filter func(*release.Release) bool) ([]*release.Release, error) {
	stored, err := d.Driver.List(filter)
	if err != nil {
		return nil, err
	}
	return append(stored, d.held(filter)...), nil
}

// Query answers as the Secrets driver does: ErrReleaseNotFound when no
// record has the labels.
func (d *pendingInMemory) Query(labels map[string]string) ([]*release.Release, error) {
	stored, err := d.Driver.Query(labels)
	if err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, err
	}
	found := append(stored, d.held(func(rls *release.Release) bool { return hasLabels(rls, labels) })...)
	if len(found) == 0 {
		return nil, driver.ErrReleaseNotFound
	}
	return found, nil
}

func (d *pendingInMemory) held(filter func(*release.Release) bool) []*release.Release {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []*release.Release
	for _, rls := range d.pending {
		if filter(rls) {
			out = append(out, rls)
		}
	}
	return out
}

// hasLabels tells whether rls has labels as the Secrets driver labels its
// Secrets: name, owner, status and version.
func hasLabels(rls *release.Release, labels map[string]string) bool {
	own := map[string]string{
		"name":    rls.Name,
		"owner":   "helm",
		"status":  rls.Info.Status.String(),
		"version": strconv.Itoa(rls.Version),
	}
	for k, v := range labels {
		if got, ok := own[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// secretExists tells whether a Secret of the given name is in namespace,
// whatever it holds: the release records' storage (helm-operator-plugins
// keeps them in the NatsCluster's namespace).
func secretExists(ctx context.Context, live client.Reader, namespace string) func(name string) (bool, error) {
	return func(name string) (bool, error) {
		var s metav1.PartialObjectMetadata
		s.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		err := live.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s)
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	}
}

package operator

import (
	"context"
	"errors"
	"fmt"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// Event reasons of the release recovery.
const (
	// ReasonPendingReleaseRecovered: a release an interrupted action left
	// pending was unlocked so that the reconcile could go on.
	ReasonPendingReleaseRecovered = "PendingReleaseRecovered"
)

// recoverPendingRelease unlocks the release of obj if its last revision is
// pending.
//
// Helm writes pending-install, pending-upgrade or pending-rollback in the
// release Secret before it touches any object, and deployed or failed when
// the action returns. A process that dies in between (kill -9, OOM, node
// loss, a leader that lost its lease and exits) leaves the pending status
// for good, and Helm reads it as a lock: every later upgrade fails with
// "another operation (install/upgrade/rollback) is in progress".
// helm-operator-plugins v0.9.1 has no way out of it; only deleting the
// NatsCluster did. The operator's own actions no longer leave one
// (pendingInMemory); an operator version before that, or the helm CLI
// killed mid-action, still can.
//
// A pending status seen at the start of a reconcile can only be such a
// leftover, never an action in flight:
//   - Helm actions run synchronously inside Reconcile: Install, Upgrade,
//     Rollback and Uninstall return before Reconcile does, and the operator
//     starts none in the background.
//   - controller-runtime never gives one key to two workers at once, even
//     with MaxConcurrentReconciles > 1, and a NatsCluster's key names exactly
//     one release (its name, in its namespace).
//   - Only one operator process reconciles: more than one replica requires
//     --leader-elect, and a leader that cannot renew its Lease gives up
//     (and exits) at the renew deadline, which is shorter than the lease
//     duration another replica must wait out before it takes over.
//   - Release storage is read from the API server directly (Helm's Secrets
//     driver), not from the informer cache, so the status read is the last
//     one written.
//
// The same holds for an action whose final status write failed (Helm logs
// and ignores that error): the action has returned either way. Someone
// running the helm CLI against an operator-managed release at the same
// moment is not supported.
//
// The recovery:
//   - pending-install: the install never finished, so no revision was ever
//     deployed (Helm writes pending-install only for revision 1). Uninstall
//     it, purging its history: its manifest lists every object the install
//     may have created, so the half-made objects go, and the reconciler
//     installs afresh in this same reconcile.
//   - pending-upgrade, pending-rollback: mark the revision failed. The
//     reconciler upgrades a release whose last revision failed, and Helm
//     bases that upgrade on the last deployed revision, so the cluster goes
//     straight to the current spec. Rolling back first would be a second
//     rollout, and after a scale-up it would remove servers only to add
//     them again.
func recoverPendingRelease(ctx context.Context, ac helmclient.ActionInterface, obj client.Object, recorder record.EventRecorder) error {
	name := obj.GetName()
	if !validReleaseName(name) {
		return nil // no release can exist
	}
	// History, not Last: Last fails on a history of records Helm cannot
	// read (missingReleaseGuard), which holds nothing to recover.
	history, err := ac.Config().Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) || (err == nil && len(history) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading release %s: %w", name, err)
	}
	last := latest(history)
	if !last.Info.Status.IsPending() {
		return nil
	}
	pending := last.Info.Status
	var done string
	if pending == release.StatusPendingInstall {
		if _, err := ac.Uninstall(name); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
			return fmt.Errorf("uninstalling release %s left %s by an interrupted operator: %w", name, pending, err)
		}
		done = "uninstalled the partial install; installing again"
	} else {
		last.SetStatus(release.StatusFailed, fmt.Sprintf("%s interrupted: the operator stopped before it finished", pending))
		if err := ac.Config().Releases.Update(last); err != nil {
			return fmt.Errorf("marking release %s revision %d failed after an interrupted %s: %w", name, last.Version, pending, err)
		}
		done = fmt.Sprintf("marked revision %d failed; upgrading to the current spec", last.Version)
	}
	msg := fmt.Sprintf("Helm release %s was left %s by an interrupted operator: %s", name, pending, done)
	logf.FromContext(ctx).Info(msg)
	recorder.Event(obj, corev1.EventTypeWarning, ReasonPendingReleaseRecovered, msg)
	return nil
}

// latest is the highest revision of a non-empty history.
func latest(history []*release.Release) *release.Release {
	last := history[0]
	for _, r := range history[1:] {
		if r.Version > last.Version {
			last = r
		}
	}
	return last
}

// missingReleaseGuard answers an uninstall that can find no release as
// "release not found", so that the reconciler removes the finalizer:
//   - a name Helm refuses: no release can exist by that name. NatsCluster
//     names of more than 53 characters were admitted before the CRD bounded
//     them; their deletion failed on "Release name is invalid".
//   - release records Helm cannot read: anyone who may create Secrets in
//     the namespace can plant one under the release's name, and Helm skips
//     it when it reads the history, then refuses to uninstall a history it
//     finds empty ("no release provided") on every retry.
//
// The objects a release made carry owner references to the NatsCluster, so
// the garbage collector removes them when the finalizer goes.
type missingReleaseGuard struct {
	helmclient.ActionInterface
}

func (c missingReleaseGuard) Uninstall(name string, opts ...helmclient.UninstallOption) (*release.UninstallReleaseResponse, error) {
	if !validReleaseName(name) {
		return nil, fmt.Errorf("no release can be named %q: %w", name, driver.ErrReleaseNotFound)
	}
	resp, err := c.ActionInterface.Uninstall(name, opts...)
	if err != nil && !errors.Is(err, driver.ErrReleaseNotFound) && !hasReadableRevision(c.Config(), name) {
		return nil, fmt.Errorf("release %s has no revision Helm can read (%v): %w", name, err, driver.ErrReleaseNotFound)
	}
	return resp, err
}

// hasReadableRevision: Helm's storage holds a revision of the release it
// can decode, or cannot tell (an API error counts as readable, so that the
// uninstall is retried).
func hasReadableRevision(cfg *action.Configuration, name string) bool {
	history, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return false
	}
	return err != nil || len(history) > 0
}

// validReleaseName reports whether Helm accepts name as a release name.
func validReleaseName(name string) bool {
	return chartutil.ValidateReleaseName(name) == nil
}

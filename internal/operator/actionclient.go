package operator

import (
	"context"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// resilientActionClientGetter hands the Helm reconciler action clients
// with which no NatsCluster gets stuck:
//   - a release an interrupted operator left pending is unlocked at the
//     start of the reconcile (recoverPendingRelease);
//   - uninstalling a release whose name Helm refuses, or whose records
//     Helm cannot read, finds nothing to uninstall, so the finalizer goes
//     (missingReleaseGuard);
//   - an install or upgrade that keeps failing with the same inputs is
//     retried with a growing delay, not in a loop (retryGate);
//   - an object the drift repair re-creates is owned by the release, as
//     Helm's own creations are, and it does not send a patch that
//     changes nothing (driftRepair).
type resilientActionClientGetter struct {
	helmclient.ActionClientGetter
	gate     *retryGate
	recorder record.EventRecorder
	live     client.Reader // the API server, not the cache
}

func newResilientActionClientGetter(getter helmclient.ActionClientGetter, recorder record.EventRecorder, live client.Reader) resilientActionClientGetter {
	return resilientActionClientGetter{ActionClientGetter: getter, gate: newRetryGate(), recorder: recorder, live: live}
}

func (g resilientActionClientGetter) ActionClientFor(ctx context.Context, obj client.Object) (helmclient.ActionInterface, error) {
	ac, err := g.ActionClientGetter.ActionClientFor(ctx, obj)
	if err != nil {
		return nil, err
	}
	// Deletion uninstalls whatever state the release is in.
	if obj.GetDeletionTimestamp() == nil {
		if err := recoverPendingRelease(ctx, ac, obj, g.recorder); err != nil {
			return nil, err
		}
	}
	key := client.ObjectKeyFromObject(obj).String()
	repair := driftRepair{ActionInterface: ac, ctx: ctx, live: g.live}
	return gatedActionClient{ActionInterface: missingReleaseGuard{repair}, gate: g.gate, key: key}, nil
}

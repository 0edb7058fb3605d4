package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// NamespacePoll is how often the operator checks whether a watched
// namespace it may not list yet has become listable.
const NamespacePoll = 30 * time.Second

// StartFunc runs the operator on namespaces until ctx ends.
type StartFunc func(ctx context.Context, namespaces []string) error

// RunWatching runs the operator on the watched namespaces it may list now,
// and restarts it with more as they become listable. A namespace named
// before it exists, or before the operator's RoleBinding there, would
// otherwise keep the operator's caches from ever syncing and stop it from
// reconciling anywhere. With every namespace watched (watched empty) it
// just runs.
func RunWatching(ctx context.Context, log logr.Logger, c client.Reader, watched []string, poll time.Duration, start StartFunc) error {
	if len(watched) == 0 {
		return start(ctx, nil)
	}
	reported := ""
	for {
		ready, waiting, err := ListableNamespaces(ctx, c, watched)
		if err != nil {
			return err
		}
		// Once per change, not once per poll.
		if now := strings.Join(waiting, ","); now != reported && len(waiting) > 0 {
			reported = now
			log.Info("WARNING: the operator may not list NatsClusters in these watched namespaces yet (the namespace, or the operator's RoleBinding there, is missing); it runs without them and adds them once it may",
				"waiting", waiting, "running", ready)
		}
		if len(ready) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(poll):
				continue
			}
		}
		runCtx, stop := context.WithCancel(ctx)
		grew := make(chan struct{})
		go func() {
			if waitListable(runCtx, c, waiting, poll) {
				close(grew)
				stop()
			}
		}()
		err = start(runCtx, ready)
		stop()
		select {
		case <-grew:
			log.Info("restarting the operator: more watched namespaces are listable now")
		default:
			return err
		}
	}
}

// ListableNamespaces splits watched into the namespaces where the operator
// may list NatsClusters and those where the API server refuses it.
func ListableNamespaces(ctx context.Context, c client.Reader, watched []string) (ready, waiting []string, err error) {
	for _, ns := range watched {
		var list metav1.PartialObjectMetadataList
		list.SetGroupVersionKind(natsv1alpha2.GroupVersion.WithKind("NatsClusterList"))
		switch err := c.List(ctx, &list, client.InNamespace(ns), client.Limit(1)); {
		case err == nil:
			ready = append(ready, ns)
		case apierrors.IsForbidden(err):
			waiting = append(waiting, ns)
		default:
			return nil, nil, fmt.Errorf("listing NatsClusters in watched namespace %s: %w", ns, err)
		}
	}
	return ready, waiting, nil
}

// waitListable polls until one of namespaces is listable (true) or ctx
// ends (false).
func waitListable(ctx context.Context, c client.Reader, namespaces []string, poll time.Duration) bool {
	if len(namespaces) == 0 {
		return false
	}
	for {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(poll):
		}
		if ready, _, err := ListableNamespaces(ctx, c, namespaces); err == nil && len(ready) > 0 {
			return true
		}
	}
}

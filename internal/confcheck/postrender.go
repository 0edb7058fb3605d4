package confcheck

import (
	"bytes"
	"fmt"
	"sync"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/postrender"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/overlay"
	"github.com/nats-operator/nats-operator/internal/status"
)

// ReasonRenderRefused is the reason of the Warning Event the guard puts on
// a NatsCluster whose rendered release it refuses.
const ReasonRenderRefused = "RenderRefused"

// NewProvider plugs the guard into helm-operator-plugins' action clients.
// It runs on every install, upgrade and dry-run, before anything is
// applied: a refused release fails the Helm action, so the running release
// stays as it is and the message lands in the NatsCluster's conditions
// (Irreconcilable, or ReleaseFailed on install). The same message also goes
// out once as a Warning Event (see refusals).
func NewProvider(recorder record.EventRecorder, g Guard) helmclient.PostRendererProvider {
	seen := &refusals{last: map[types.UID]string{}}
	return func(_ meta.RESTMapper, _ kube.Interface, owner client.Object) postrender.PostRenderer {
		return &postRenderer{guard: g, owner: owner, recorder: recorder, seen: seen}
	}
}

type postRenderer struct {
	guard    Guard
	owner    client.Object
	recorder record.EventRecorder
	seen     *refusals
}

// Run implements postrender.PostRenderer.
func (p *postRenderer) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	nc, err := asNatsCluster(p.owner)
	if err != nil {
		return nil, err
	}
	// The official chart's object overrides first, so the guard holds on
	// what they make of the objects.
	manifest, err := overlay.ForNatsCluster(in.String(), nc)
	if err == nil {
		err = p.guard.Check(manifest, nc)
	}
	if err != nil {
		if p.seen.isNew(p.owner.GetUID(), err.Error()) && p.recorder != nil {
			p.recorder.Event(p.owner, corev1.EventTypeWarning, ReasonRenderRefused, status.EventMessage(err.Error()))
		}
		return nil, err
	}
	p.seen.forget(p.owner.GetUID())
	return bytes.NewBufferString(manifest), nil
}

func asNatsCluster(obj client.Object) (*natsv1alpha2.NatsCluster, error) {
	if nc, ok := obj.(*natsv1alpha2.NatsCluster); ok {
		return nc, nil
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("reading NatsCluster %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	var nc natsv1alpha2.NatsCluster
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, &nc); err != nil {
		return nil, fmt.Errorf("reading NatsCluster %s/%s: %w", obj.GetNamespace(), obj.GetName(), err)
	}
	return &nc, nil
}

// maxRemembered bounds the refusals kept in memory; past it they are
// forgotten and each may be announced once more.
const maxRemembered = 10000

// refusals remembers the last refusal announced per NatsCluster.
// helm-operator-plugins dry-runs on every reconcile and a refused release
// is retried with backoff, so the same refusal comes back many times; the
// Event is emitted when the message changes, not on every retry. (The
// recorder would also fold identical Events into one with a count, but its
// per-object spam filter would then drop the other controllers' Events on
// the NatsCluster.) A render that passes forgets the refusal, so a later
// one is announced again.
type refusals struct {
	mu   sync.Mutex
	last map[types.UID]string
}

func (s *refusals) isNew(uid types.UID, msg string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last[uid] == msg {
		return false
	}
	if len(s.last) >= maxRemembered {
		s.last = map[types.UID]string{}
	}
	s.last[uid] = msg
	return true
}

func (s *refusals) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.last, uid)
}

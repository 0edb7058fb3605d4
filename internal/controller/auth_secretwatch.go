package controller

import (
	"context"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// SecretWatcher tells the auth controller when a Secret named in spec.auth
// changes. The manager caches only the operator's own Secrets (and must
// not cache every Secret), so each referenced Secret gets its own watch,
// narrowed by a field selector to that one name. The watches follow the
// references: Track starts and stops them. Only metadata is kept: the
// controller reads the data from the API server when it reconciles.
type SecretWatcher struct {
	client kubernetes.Interface
	events chan event.GenericEvent

	mu sync.Mutex
	// ctx bounds every watch; canceled when the manager stops.
	ctx     context.Context
	cancel  context.CancelFunc
	watches map[types.NamespacedName]*secretWatch
}

type secretWatch struct {
	stop     context.CancelFunc
	clusters map[types.NamespacedName]bool
}

// NewSecretWatcher returns a watcher using cfg; add it to the manager
// (it is a Runnable) and use Source in the controller.
func NewSecretWatcher(cfg *rest.Config) (*SecretWatcher, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &SecretWatcher{
		client:  cs,
		events:  make(chan event.GenericEvent, 256),
		ctx:     ctx,
		cancel:  cancel,
		watches: map[types.NamespacedName]*secretWatch{},
	}, nil
}

// Start waits for the manager to stop, then ends every watch.
func (w *SecretWatcher) Start(ctx context.Context) error {
	<-ctx.Done()
	w.cancel()
	return nil
}

// Source enqueues the clusters that reference a changed Secret.
func (w *SecretWatcher) Source() source.Source {
	return source.Channel(w.events, &handler.EnqueueRequestForObject{})
}

// Track sets the Secrets a cluster references (none: the cluster is gone).
// Watches start for new names and stop for names no cluster references.
func (w *SecretWatcher) Track(cluster types.NamespacedName, secrets []types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for key, sw := range w.watches {
		if sw.clusters[cluster] && !slices.Contains(secrets, key) {
			delete(sw.clusters, cluster)
			if len(sw.clusters) == 0 {
				sw.stop()
				delete(w.watches, key)
			}
		}
	}
	for _, key := range secrets {
		sw, ok := w.watches[key]
		if !ok {
			sw = &secretWatch{clusters: map[types.NamespacedName]bool{}}
			sw.stop = w.watch(key)
			w.watches[key] = sw
		}
		sw.clusters[cluster] = true
	}
}

// watch runs an informer on the one Secret key.
func (w *SecretWatcher) watch(key types.NamespacedName) context.CancelFunc {
	ctx, cancel := context.WithCancel(w.ctx)
	lw := toolscache.NewFilteredListWatchFromClient(w.client.CoreV1().RESTClient(), "secrets", key.Namespace,
		func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", key.Name).String()
		})
	inf := toolscache.NewSharedIndexInformer(lw, &corev1.Secret{}, 0, toolscache.Indexers{})
	_ = inf.SetTransform(func(obj any) (any, error) {
		if s, ok := obj.(*corev1.Secret); ok {
			s.Data, s.StringData = nil, nil
		}
		return obj, nil
	})
	notify := func(any) { w.notify(key) }
	_, _ = inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, obj any) { notify(obj) },
		DeleteFunc: notify,
	})
	go inf.RunWithContext(ctx)
	return cancel
}

// notify enqueues every cluster that references key.
func (w *SecretWatcher) notify(key types.NamespacedName) {
	w.mu.Lock()
	var clusters []types.NamespacedName
	if sw, ok := w.watches[key]; ok {
		for c := range sw.clusters {
			clusters = append(clusters, c)
		}
	}
	w.mu.Unlock()
	for _, c := range clusters {
		nc := &natsv1alpha2.NatsCluster{}
		nc.Name, nc.Namespace = c.Name, c.Namespace
		select {
		case w.events <- event.GenericEvent{Object: client.Object(nc)}:
		case <-w.ctx.Done():
			return
		}
	}
}

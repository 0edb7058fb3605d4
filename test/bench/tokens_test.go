package bench_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// tokenPhase creates a NatsCluster with ServiceAccount users, then one
// ServiceAccount and NatsServiceRole at a time, and times each role until
// its token Secret exists.
func (b *bench) tokenPhase(ctx context.Context, t *testing.T) row {
	const what, goal, cluster = "NatsServiceRole → token Secret, p99", "≤ 1 s", "tokens"
	secrets, err := b.watchTokenSecrets(ctx)
	if err != nil {
		return missedRow(what, goal, err)
	}
	nc := newCluster(operatorNS, cluster, 3)
	nc.Spec.Auth = &natsv1alpha2.AuthConfig{EnableServiceAccounts: true}
	if err := b.admin.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	b.clusters++
	if _, err := b.waitChildren(ctx, operatorNS, cluster); err != nil {
		return missedRow(what, goal, err)
	}
	var lat []time.Duration
	for i := range b.cfg.iterations {
		name := fmt.Sprintf("role-%03d", i)
		if err := b.admin.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: operatorNS}}); err != nil {
			t.Fatal(err)
		}
		role := &natsv1alpha2.NatsServiceRole{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: operatorNS,
			Labels: map[string]string{natsv1alpha2.ClusterLabel: cluster}}}
		start := time.Now()
		if err := b.admin.Create(ctx, role); err != nil {
			t.Fatal(err)
		}
		at, err := secrets.wait(ctx, name+"-"+cluster+"-bound-token", b.cfg.timeout)
		if err != nil {
			return missedRow(what, goal, err)
		}
		lat = append(lat, at.Sub(start))
	}
	if _, err := b.op.settle(ctx, time.Now(), b.cfg.quiet, b.cfg.timeout); err != nil {
		return missedRow(what, goal, err)
	}
	p99 := percentile(lat, 99)
	return goalRow(what, goal, fmt.Sprintf("%s (p50 %s, %d roles)", ms(p99), ms(percentile(lat, 50)), len(lat)), p99 <= tokenLatencyGoal)
}

// tokenSecrets records when each token Secret was first seen.
type tokenSecrets struct {
	mu      sync.Mutex
	seen    map[string]time.Time
	changed chan struct{}
}

// watchTokenSecrets watches the operator's token Secrets only, by label,
// so the unrelated Secrets stay out of the bench's memory too.
func (b *bench) watchTokenSecrets(ctx context.Context) (*tokenSecrets, error) {
	cs, err := kubernetes.NewForConfig(b.cp.admin)
	if err != nil {
		return nil, err
	}
	s := &tokenSecrets{seen: map[string]time.Time{}, changed: make(chan struct{})}
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(operatorNS),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.LabelSelector = "app.kubernetes.io/component=service-role-token"
		}))
	if _, err := f.Core().V1().Secrets().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if sec, ok := obj.(*corev1.Secret); ok {
				s.observe(sec.Name)
			}
		},
	}); err != nil {
		return nil, err
	}
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return s, nil
}

func (s *tokenSecrets) observe(name string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.seen[name]; !ok {
		s.seen[name] = now
	}
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *tokenSecrets) wait(ctx context.Context, name string, timeout time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		s.mu.Lock()
		at, ok := s.seen[name]
		changed := s.changed
		s.mu.Unlock()
		if ok {
			return at, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("token Secret %s: %w", name, ctx.Err())
		case <-changed:
		}
	}
}

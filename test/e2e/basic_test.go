//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
)

// TestMeshAndPubSub: a NatsCluster becomes three servers in a full mesh that
// carry messages between any two of them.
func TestMeshAndPubSub(t *testing.T) {
	t.Parallel()
	c := createCluster(t, "e2e-mesh", obj{"size": 3, "version": env.natsVersion})
	pods := c.waitReady(3, env.natsVersion)
	waitMesh(t, pods)
	for _, p := range pods {
		if v := varzOf(t, p); v.Cluster.Name != c.name || v.Version != env.natsVersion {
			t.Errorf("%s: cluster %q version %q, want %q %q", p.Name, v.Cluster.Name, v.Version, c.name, env.natsVersion)
		}
	}
	for i := range pods {
		from, to := pods[i], pods[(i+1)%len(pods)]
		requireDelivery(t, mustConnectPod(t, to), mustConnectPod(t, from), "e2e.mesh."+strconv.Itoa(i))
	}
}

// TestScale: 3 -> 5 -> 3 servers; the servers that stay are never restarted,
// with and without route authentication.
func TestScale(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		auth bool
	}{{"plain", false}, {"cluster-auth", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := "e2e-scale-" + tc.name
			spec := obj{"size": 3, "version": env.natsVersion}
			if tc.auth {
				// A password with characters that must be escaped in a route URL.
				createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-routes"), StringData: map[string]string{
					"auth.json": `{"username": "route-user", "password": "p@ss:w/rd?#%&= x"}`,
				}})
				spec["auth"] = obj{"clusterAuthSecret": name + "-routes"}
			}
			c := createCluster(t, name, spec)
			pods := c.waitReady(3, env.natsVersion)
			waitMesh(t, pods)
			before := identities(t, pods)

			c.update(func(s obj) { s["size"] = 5 })
			pods = c.waitReady(5, env.natsVersion)
			waitMesh(t, pods)
			requireSurvived(t, before, pods)
			requireDelivery(t, mustConnectPod(t, pods[0]), mustConnectPod(t, pods[4]), "e2e.scale.up")

			c.update(func(s obj) { s["size"] = 3 })
			pods = c.waitReady(3, env.natsVersion)
			waitMesh(t, pods)
			requireSurvived(t, before, pods)
			requireDelivery(t, mustConnectPod(t, pods[2]), mustConnectPod(t, pods[0]), "e2e.scale.down")
		})
	}
}

// TestRollingVersionChange: a version change rolls the servers one at a
// time with lame-duck mode, while a client keeps sending requests that a
// responder on another connection answers. Each request is retried until
// answered; none may stay unanswered.
func TestRollingVersionChange(t *testing.T) {
	t.Parallel()
	c := createCluster(t, "e2e-roll", obj{"size": 3, "version": env.natsOld})
	pods := c.waitReady(3, env.natsOld)
	waitMesh(t, pods)

	tr := startTraffic(t, pods, "e2e.roll")
	start := time.Now()
	c.update(func(s obj) { s["version"] = env.natsVersion })
	pods = c.waitReady(3, env.natsVersion)
	took := time.Since(start)
	waitMesh(t, pods)
	tr.requireNoneLost(t, fmt.Sprintf("rolling %s -> %s took %s", env.natsOld, env.natsVersion, took.Round(time.Second)))
}

// traffic is a requester and a responder on connections of their own that
// follow the cluster: they learn new servers' addresses from INFO and
// reconnect for as long as it takes. Each request is retried for up to 30 s
// until answered.
type traffic struct {
	subject                        string
	sent, answered, firstTry, lost atomic.Int64
	reconnects                     atomic.Int64
	stop                           context.CancelFunc
	done                           sync.WaitGroup
}

// startTraffic connects both ends to the pods' servers (with opts, e.g.
// credentials) and returns once requests are being answered.
func startTraffic(t *testing.T, pods []corev1.Pod, subject string, opts ...nats.Option) *traffic {
	t.Helper()
	urls := make([]string, 0, len(pods))
	for _, p := range pods {
		urls = append(urls, clientURL(p))
	}
	opts = append([]nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(200 * time.Millisecond), nats.Name(t.Name())}, opts...)
	tr := &traffic{subject: subject}
	responder, err := nats.Connect(strings.Join(urls, ","), opts...)
	if err != nil {
		t.Fatalf("responder: %v", err)
	}
	t.Cleanup(responder.Close)
	if _, err := responder.Subscribe(subject, func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := responder.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	requester, err := nats.Connect(strings.Join(urls, ","), append(opts, nats.ReconnectHandler(func(*nats.Conn) { tr.reconnects.Add(1) }))...)
	if err != nil {
		t.Fatalf("requester: %v", err)
	}
	t.Cleanup(requester.Close)
	ctx, stop := context.WithCancel(context.Background())
	tr.stop = stop
	tr.done.Add(1)
	go func() {
		defer tr.done.Done()
		tr.run(ctx, requester)
	}()
	t.Cleanup(tr.finish)
	eventually(t, convergeWithin, "requests answered", func() error {
		if tr.answered.Load() < 20 {
			return errors.New("fewer than 20 answered")
		}
		return nil
	})
	return tr
}

// run sends numbered requests until ctx ends.
func (tr *traffic) run(ctx context.Context, nc *nats.Conn) {
	for i := 0; ctx.Err() == nil; i++ {
		tr.sent.Add(1)
		payload := []byte(fmt.Sprintf("req-%d", i))
		deadline := time.Now().Add(30 * time.Second)
		for attempt := 0; ; attempt++ {
			m, err := nc.Request(tr.subject, payload, time.Second)
			if err == nil && string(m.Data) == string(payload) {
				tr.answered.Add(1)
				if attempt == 0 {
					tr.firstTry.Add(1)
				}
				break
			}
			if time.Now().After(deadline) {
				tr.lost.Add(1)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tr *traffic) finish() {
	tr.stop()
	tr.done.Wait()
}

// requireNoneLost stops the traffic, logs what happened during what, and
// fails if a request was never answered or too few were sent to tell.
func (tr *traffic) requireNoneLost(t *testing.T, what string) {
	t.Helper()
	tr.finish()
	t.Logf("%s: %d requests, %d answered at once, %d after retries, %d lost; requester reconnected %d times",
		what, tr.sent.Load(), tr.firstTry.Load(), tr.answered.Load()-tr.firstTry.Load(), tr.lost.Load(), tr.reconnects.Load())
	if tr.lost.Load() > 0 {
		t.Errorf("%s: %d of %d requests were never answered", what, tr.lost.Load(), tr.sent.Load())
	}
	if tr.sent.Load() < 100 {
		t.Errorf("%s: only %d requests sent", what, tr.sent.Load())
	}
}

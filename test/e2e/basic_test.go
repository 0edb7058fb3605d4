//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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

	urls := ""
	for i, p := range pods {
		if i > 0 {
			urls += ","
		}
		urls += clientURL(p)
	}
	// These clients follow the cluster: they learn the new pods' addresses
	// from INFO and reconnect for as long as it takes.
	opts := []nats.Option{nats.MaxReconnects(-1), nats.ReconnectWait(200 * time.Millisecond), nats.Name(t.Name())}
	responder, err := nats.Connect(urls, opts...)
	if err != nil {
		t.Fatalf("responder: %v", err)
	}
	defer responder.Close()
	if _, err := responder.Subscribe("e2e.roll", func(m *nats.Msg) { _ = m.Respond(m.Data) }); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	if err := responder.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	var reconnects atomic.Int64
	requester, err := nats.Connect(urls, append(opts, nats.ReconnectHandler(func(*nats.Conn) { reconnects.Add(1) }))...)
	if err != nil {
		t.Fatalf("requester: %v", err)
	}
	defer requester.Close()

	var stats trafficStats
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		stats.run(ctx, requester)
	}()
	// Traffic flows before the change starts.
	eventually(t, convergeWithin, "requests answered", func() error {
		if stats.answered.Load() < 20 {
			return errors.New("fewer than 20 answered")
		}
		return nil
	})
	start := time.Now()
	c.update(func(s obj) { s["version"] = env.natsVersion })
	pods = c.waitReady(3, env.natsVersion)
	took := time.Since(start)
	waitMesh(t, pods)
	stop()
	wg.Wait()
	t.Logf("rolling %s -> %s took %s: %d requests, %d answered at once, %d after retries, %d lost; requester reconnected %d times",
		env.natsOld, env.natsVersion, took.Round(time.Second), stats.sent.Load(), stats.firstTry.Load(),
		stats.answered.Load()-stats.firstTry.Load(), stats.lost.Load(), reconnects.Load())
	if stats.lost.Load() > 0 {
		t.Errorf("%d of %d requests were never answered", stats.lost.Load(), stats.sent.Load())
	}
	if stats.sent.Load() < 100 {
		t.Errorf("only %d requests sent during the change", stats.sent.Load())
	}
}

type trafficStats struct {
	sent, answered, firstTry, lost atomic.Int64
}

// run sends numbered requests, each retried for up to 30 s, until ctx ends.
func (s *trafficStats) run(ctx context.Context, nc *nats.Conn) {
	for i := 0; ctx.Err() == nil; i++ {
		s.sent.Add(1)
		payload := []byte(fmt.Sprintf("req-%d", i))
		deadline := time.Now().Add(30 * time.Second)
		for attempt := 0; ; attempt++ {
			m, err := nc.Request("e2e.roll", payload, time.Second)
			if err == nil && string(m.Data) == string(payload) {
				s.answered.Add(1)
				if attempt == 0 {
					s.firstTry.Add(1)
				}
				break
			}
			if time.Now().After(deadline) {
				s.lost.Add(1)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

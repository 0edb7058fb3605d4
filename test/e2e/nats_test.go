//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"

	"github.com/nats-operator/nats-operator/test/e2e/e2eutil"
)

const clientPort = "4222"

var httpClient = &http.Client{Timeout: 5 * time.Second}

func clientURL(p corev1.Pod) string {
	return "nats://" + net.JoinHostPort(p.Status.PodIP, clientPort)
}

// connectPod connects to exactly this pod's server: the client never moves
// to a server it learns from INFO, so a check on one server cannot pass by
// quietly talking to another.
func connectPod(p corev1.Pod, opts ...nats.Option) (*nats.Conn, error) {
	base := []nats.Option{nats.IgnoreDiscoveredServers(), nats.NoReconnect(), nats.Timeout(5 * time.Second)}
	return nats.Connect(clientURL(p), append(base, opts...)...)
}

func mustConnectPod(t *testing.T, p corev1.Pod, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := connectPod(p, append([]nats.Option{nats.Name(t.Name())}, opts...)...)
	if err != nil {
		t.Fatalf("connect to %s (%s): %v", p.Name, clientURL(p), err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// monitor GETs a monitoring endpoint of the pod's server and decodes it.
func monitor(p corev1.Pod, path string, out any) error {
	return e2eutil.Monitor(httpClient, p, path, out)
}

// serverInfo reads the INFO line a server sends before anything else.
func serverInfo(t *testing.T, p corev1.Pod) map[string]any {
	t.Helper()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(p.Status.PodIP, clientPort), 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", p.Name, err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("read INFO of %s: %v", p.Name, err)
	}
	var info map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "INFO ")), &info); err != nil {
		t.Fatalf("INFO of %s: %v: %q", p.Name, err, line)
	}
	return info
}

type varz struct {
	ServerID    string   `json:"server_id"`
	ServerName  string   `json:"server_name"`
	Version     string   `json:"version"`
	ConnectURLs []string `json:"connect_urls"`
	Cluster     struct {
		Name string `json:"name"`
	} `json:"cluster"`
}

func varzOf(t *testing.T, p corev1.Pod) varz {
	t.Helper()
	var v varz
	eventually(t, convergeWithin, "/varz of "+p.Name, func() error { return monitor(p, "/varz", &v) })
	return v
}

// waitMesh waits until every server has routes to every other one and to
// nothing else (the full mesh, whatever the route pool size).
func waitMesh(t *testing.T, pods []corev1.Pod) {
	t.Helper()
	ids := map[string]string{} // server ID -> pod
	for _, p := range pods {
		ids[varzOf(t, p).ServerID] = p.Name
	}
	eventually(t, convergeWithin, fmt.Sprintf("full mesh of %d servers", len(pods)), func() error {
		return e2eutil.MeshProblem(httpClient, pods, ids)
	})
}

// requireDelivery subscribes on sub and publishes on pub until a message
// arrives: interest crosses routes, gateways and leafnodes asynchronously,
// so the first publishes may legitimately find none.
func requireDelivery(t *testing.T, sub, pub *nats.Conn, subject string) {
	t.Helper()
	s, err := sub.SubscribeSync(subject)
	if err != nil {
		t.Fatalf("subscribe %s: %v", subject, err)
	}
	defer func() { _ = s.Unsubscribe() }()
	if err := sub.Flush(); err != nil {
		t.Fatalf("flush subscription: %v", err)
	}
	want := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())
	eventually(t, convergeWithin, "delivery on "+subject, func() error {
		if err := pub.Publish(subject, []byte(want)); err != nil {
			return err
		}
		if err := pub.Flush(); err != nil {
			return err
		}
		for {
			m, err := s.NextMsg(300 * time.Millisecond)
			if err != nil {
				return fmt.Errorf("nothing received on %s: %w", subject, err)
			}
			if string(m.Data) == want {
				return nil
			}
		}
	})
}

// errorRecorder collects asynchronous errors (permission violations) of a connection.
type errorRecorder struct{ ch chan error }

func newErrorRecorder() *errorRecorder { return &errorRecorder{ch: make(chan error, 16)} }

func (r *errorRecorder) option() nats.Option {
	return nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		select {
		case r.ch <- err:
		default:
		}
	})
}

// requireViolation publishes or subscribes and waits for the server's
// permissions violation naming subject.
func (r *errorRecorder) requireViolation(t *testing.T, nc *nats.Conn, op, subject string) {
	t.Helper()
	var err error
	switch op {
	case "publish":
		err = nc.Publish(subject, []byte("x"))
	case "subscribe":
		_, err = nc.SubscribeSync(subject)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", op, subject, err)
	}
	_ = nc.Flush()
	select {
	case got := <-r.ch:
		if !errors.Is(got, nats.ErrPermissionViolation) || !strings.Contains(got.Error(), subject) {
			t.Fatalf("%s %s: got %v, want a permissions violation for it", op, subject, got)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s %s: no permissions violation", op, subject)
	}
}

package render_test

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// loadRendered loads a rendered nats.conf with nats-server's own loader,
// exactly as the container does with -c, then moves every listener to a
// free port on 127.0.0.1 so tests can run the server here.
func loadRendered(t *testing.T, conf string) *server.Options {
	t.Helper()
	opts := testutil.NATSOptions(t, conf, nil)
	opts.Host, opts.Port = "127.0.0.1", -1
	opts.HTTPHost, opts.HTTPPort = "127.0.0.1", -1
	opts.Cluster.Host = "127.0.0.1"
	return opts
}

func startServer(t *testing.T, opts *server.Options) *server.Server {
	t.Helper()
	return testutil.StartNATS(t, opts)
}

func TestRenderedConfigStartsARealServer(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: solo, namespace: apps}
spec:
  size: 1
  useServerName: true
  natsConfig: {maxPayload: 4096, write_deadline: 3s, debug: true}
`))
	t.Setenv("SERVER_NAME", "solo-0") // the pod's env: SERVER_NAME=$(POD_NAME)
	opts := loadRendered(t, r.natsConf(t, "solo"))
	opts.Cluster.Port, opts.Routes = -1, nil // no DNS for the route to itself here
	s := startServer(t, opts)
	if s.Name() != "solo-0" || s.ClusterName() != "solo" {
		t.Errorf("server name %q cluster %q, want solo-0 and solo", s.Name(), s.ClusterName())
	}
	vz, err := s.Varz(nil)
	if err != nil {
		t.Fatal(err)
	}
	if vz.MaxPayload != 4096 || vz.WriteDeadline != 3*time.Second || opts.LameDuckDuration != 30*time.Second || !opts.Debug {
		t.Errorf("options not applied: max_payload %d write_deadline %s lame duck %s debug %v", vz.MaxPayload, vz.WriteDeadline, opts.LameDuckDuration, opts.Debug)
	}
}

// TestRenderedMeshFormsAndRoutesMessages starts one real server per
// StatefulSet ordinal from the rendered config, with each route's pod DNS
// name mapped to that server's address, and checks the full mesh and a
// message crossing it.
func TestRenderedMeshFormsAndRoutesMessages(t *testing.T) {
	const size = 3
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: mesh, namespace: apps}
spec: {size: 3}
`))
	conf := r.natsConf(t, "mesh")
	ports := freePorts(t, size)
	var servers []*server.Server
	for i := 0; i < size; i++ {
		opts := loadRendered(t, conf)
		if len(opts.Routes) != size {
			t.Fatalf("rendered %d routes, want %d", len(opts.Routes), size)
		}
		opts.Cluster.Port = ports[i]
		for _, u := range opts.Routes {
			u.Host = "127.0.0.1:" + strconv.Itoa(ports[ordinal(t, u, "mesh", "apps")])
		}
		servers = append(servers, startServer(t, opts))
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, s := range servers {
		for peers(t, s) != size-1 {
			if time.Now().After(deadline) {
				t.Fatalf("server %s sees %d peers, want %d", s.ID(), peers(t, s), size-1)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	sub, err := nats.Connect(servers[2].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs, err := sub.SubscribeSync("mesh.hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	pub, err := nats.Connect(servers[0].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	// Interest travels over the route asynchronously; publish until it arrives.
	for time.Now().Before(deadline) {
		if err := pub.Publish("mesh.hello", []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if m, err := msgs.NextMsg(200 * time.Millisecond); err == nil {
			if string(m.Data) != "hi" {
				t.Fatalf("got %q", m.Data)
			}
			return
		}
	}
	t.Fatal("a message published on server 0 never reached a subscriber on server 2")
}

// ordinal maps nats://<name>-<i>.<name>-mgmt.<ns>.svc:6222 to i.
func ordinal(t *testing.T, u *url.URL, name, ns string) int {
	t.Helper()
	host := u.Hostname()
	suffix := fmt.Sprintf(".%s-mgmt.%s.svc", name, ns)
	if !strings.HasSuffix(host, suffix) || u.Port() != "6222" {
		t.Fatalf("route %s is not a pod DNS name of the headless Service", u)
	}
	i, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(host, suffix), name+"-"))
	if err != nil {
		t.Fatalf("route %s: %v", u, err)
	}
	return i
}

// peers counts the distinct servers s has routes to (route pooling opens
// several connections per peer).
func peers(t *testing.T, s *server.Server) int {
	t.Helper()
	rz, err := s.Routez(&server.RoutezOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range rz.Routes {
		ids[r.RemoteID] = true
	}
	return len(ids)
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		_ = l.Close()
	}
	return ports
}

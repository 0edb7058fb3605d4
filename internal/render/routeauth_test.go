package render_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// TestRouteCredentialsNeverRenderedAndAccepted renders a cluster with route
// authentication: the chart holds no credential, only references that the
// kubelet expands from the operator's auth Secret. With those expanded (as
// the kubelet would) and the auth Secret's cluster.conf mounted, real servers
// authenticate their routes; a server with the wrong password stays out.
func TestRouteCredentialsNeverRenderedAndAccepted(t *testing.T) {
	const user, password = "route-user", "p@ss:w/rd" // characters that need escaping in a URL
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: ra, namespace: apps}
spec:
  size: 2
  auth: {clusterAuthSecret: route-credentials, clusterAuthTimeout: 3}
`))
	for key, doc := range r {
		if strings.Contains(doc, password) || strings.Contains(doc, url.QueryEscape(password)) {
			t.Fatalf("%s contains the route password", key)
		}
	}
	conf := r.natsConf(t, "ra")
	if !strings.Contains(conf, `routes: $ROUTES`) || !strings.Contains(conf, `include "auth/cluster.conf"`) {
		t.Fatalf("nats.conf does not take routes and route authorization from the auth Secret:\n%s", conf)
	}
	_, nats := r.natsContainer(t, "ra")
	env := envOf(nats)
	if env["ROUTE_USER"].ValueFrom.SecretKeyRef.Name != "ra-auth" || env["ROUTE_PASSWORD"].ValueFrom.SecretKeyRef.Key != "route-password" {
		t.Fatalf("route credentials do not come from the auth Secret: %+v %+v", env["ROUTE_USER"], env["ROUTE_PASSWORD"])
	}
	routesTemplate := env["ROUTES"].Value

	ports := freePorts(t, 3)
	start := func(i int, pass string) *server.Server {
		// What the kubelet does with $(VAR) references, then the local addresses.
		// userinfo escaping, as the auth Secret's route-user and route-password hold them
		escUser, escPass := url.User(user).String(), strings.TrimPrefix(url.UserPassword("", pass).String(), ":")
		routes := strings.NewReplacer("$(ROUTE_USER)", escUser, "$(ROUTE_PASSWORD)", escPass).Replace(routesTemplate)
		for j := range 2 {
			routes = strings.ReplaceAll(routes, "ra-"+strconv.Itoa(j)+".ra-mgmt.apps.svc:6222", "127.0.0.1:"+strconv.Itoa(ports[j]))
		}
		t.Setenv("ROUTES", routes)
		dir := t.TempDir()
		// The auth Secret's cluster.conf as the auth controller writes it.
		if err := os.MkdirAll(filepath.Join(dir, "auth"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "auth", "cluster.conf"), []byte("user: \""+user+"\"\npassword: \""+password+"\"\ntimeout: 3\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "nats.conf")
		if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		opts, err := server.ProcessConfigFile(path)
		if err != nil {
			t.Fatalf("rendered config with routes from the environment: %v", err)
		}
		opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, -1
		opts.Cluster.Host, opts.Cluster.Port = "127.0.0.1", ports[i]
		opts.NoSigs, opts.NoLog = true, true
		return startServer(t, opts)
	}
	a, b := start(0, password), start(1, password)
	deadline := time.Now().Add(10 * time.Second)
	for peers(t, a) != 1 || peers(t, b) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("authenticated routes did not form: %d and %d peers", peers(t, a), peers(t, b))
		}
		time.Sleep(50 * time.Millisecond)
	}
	intruder := start(2, "wrong")
	time.Sleep(2 * time.Second) // route attempts are retried every second
	if n := peers(t, intruder); n != 0 {
		t.Errorf("a server with the wrong route password joined %d peers", n)
	}
}

package render_test

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

const routeAuthCluster = `
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: ra, namespace: apps}
spec:
  size: %d
  auth: {clusterAuthSecret: route-credentials, clusterAuthTimeout: 3}
`

func renderRouteAuth(t *testing.T, size int) rendered {
	return renderBytes(t, []byte(strings.Replace(routeAuthCluster, "%d", strconv.Itoa(size), 1)))
}

// TestRouteCredentialsNeverRenderedAndAccepted renders a cluster with route
// authentication: the chart holds no credential, nats.conf includes the
// route list and the route authorization from the operator's auth Secret.
// With that Secret's files as the auth controller writes them (cluster.conf
// and routes.conf, the hosts pointed at local ports), real servers
// authenticate their routes; a server with the wrong password stays out.
func TestRouteCredentialsNeverRenderedAndAccepted(t *testing.T) {
	const user, password = "route user", "p@ss:w/rd %+$x" // characters that need escaping in a URL
	r := renderRouteAuth(t, 2)
	for key, doc := range r {
		if strings.Contains(doc, password) || strings.Contains(doc, url.QueryEscape(password)) {
			t.Fatalf("%s contains the route password", key)
		}
	}
	conf := r.natsConf(t, "ra")
	if !strings.Contains(conf, `include "auth/routes.conf"`) || !strings.Contains(conf, `include "auth/cluster.conf"`) {
		t.Fatalf("nats.conf does not take routes and route authorization from the auth Secret:\n%s", conf)
	}

	ports := freePorts(t, 3)
	start := func(i int, pass string) *server.Server {
		files, err := auth.Sources{
			Cluster:        &auth.Credentials{User: user, Password: pass},
			ClusterTimeout: 3,
			Routes:         auth.Routes{Servers: []string{"ra-0.ra-mgmt.apps.svc:6222", "ra-1.ra-mgmt.apps.svc:6222"}},
		}.Files()
		if err != nil {
			t.Fatal(err)
		}
		routes := string(files[auth.KeyRoutes])
		for j := range 2 {
			routes = strings.ReplaceAll(routes, "ra-"+strconv.Itoa(j)+".ra-mgmt.apps.svc:6222", "127.0.0.1:"+strconv.Itoa(ports[j]))
		}
		files[auth.KeyRoutes] = []byte(routes)
		if pass != password {
			// The intruder authenticates with a wrong password; the others
			// check with the right one.
			files[auth.KeyCluster] = []byte("user: \"" + user + "\"\npassword: \"" + password + "\"\ntimeout: 3\n")
		}
		opts := testutil.NATSOptions(t, conf, files)
		opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, -1
		opts.Cluster.Host, opts.Cluster.Port = "127.0.0.1", ports[i]
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

// TestScaleKeepsThePodTemplate: with route authentication, a scale changes
// the StatefulSet's replicas and nothing the pods run with, so no server
// restarts (the route list is in the auth Secret, which they reload).
func TestScaleKeepsThePodTemplate(t *testing.T) {
	three, _ := renderRouteAuth(t, 3).natsContainer(t, "ra")
	five, _ := renderRouteAuth(t, 5).natsContainer(t, "ra")
	if !reflect.DeepEqual(three.Spec.Template, five.Spec.Template) {
		t.Errorf("the pod template changes with the size:\n3: %+v\n5: %+v", three.Spec.Template, five.Spec.Template)
	}
	if *three.Spec.Replicas != 3 || *five.Spec.Replicas != 5 {
		t.Errorf("replicas %d and %d", *three.Spec.Replicas, *five.Spec.Replicas)
	}
}

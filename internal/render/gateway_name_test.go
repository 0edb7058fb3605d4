package render_test

import (
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestGatewayNamedUnlikeTheCluster: nats-operator's examples name gateways
// freely; nats-server refuses to start when cluster.name and gateway.name
// differ (a check of server start-up that the config parser does not
// make), so the cluster takes the gateway's name. The server's own option
// validation (NewServer) accepts the rendered nats.conf.
func TestGatewayNamedUnlikeTheCluster(t *testing.T) {
	const spec = `
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: e2e-gw-c, namespace: team}
spec:
  size: 1
  gatewayConfig: {name: east, hostPort: 7522}
`
	conf := renderBytes(t, []byte(spec)).natsConf(t, "e2e-gw-c")
	if !strings.Contains(conf, `name: "east"`) {
		t.Fatalf("nats.conf does not name the cluster after its gateway:\n%s", conf)
	}
	// The pod's variables, as the server sees them.
	t.Setenv("SERVER_NAME", "e2e-gw-c-0")
	t.Setenv("POD_NAME", "e2e-gw-c-0")
	opts := testutil.NATSOptions(t, conf, nil)
	if _, err := server.NewServer(opts); err != nil {
		t.Errorf("nats-server would not start: %v\n%s", err, conf)
	}
}

//go:build e2e

package e2e

import (
	"fmt"
	"net"
	"testing"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
)

// podHost is the DNS name of a server in its cluster's headless Service,
// resolved by the node's CoreDNS inside pods.
func podHost(cluster string, i int) string {
	return fmt.Sprintf("%s-%d.%s-mgmt.%s.svc", cluster, i, cluster, env.namespace)
}

type gatewayz struct {
	Name             string `json:"name"`
	OutboundGateways map[string]struct {
		Connection *struct {
			Name string `json:"name"`
		} `json:"connection"`
	} `json:"outbound_gateways"`
}

// TestGateways: two NatsClusters joined as a super-cluster through their
// gateway listeners; a message published in one reaches a subscriber in the
// other. Each gateway is named like the NatsCluster in one case and not in
// the other (nats-operator's examples name them freely).
func TestGateways(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, a, b, gwA, gwB string }{
		{"same-names", "e2e-gw-a", "e2e-gw-b", "e2e-gw-a", "e2e-gw-b"},
		{"own-names", "e2e-gw-c", "e2e-gw-d", "east", "west"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gateways := []any{
				obj{"name": tc.gwA, "url": fmt.Sprintf("nats://%s:7222", podHost(tc.a, 0))},
				obj{"name": tc.gwB, "url": fmt.Sprintf("nats://%s:7222", podHost(tc.b, 0))},
			}
			spec := func(gw string) obj {
				return obj{
					"size": 2, "version": env.natsVersion,
					// One node: two servers cannot both hold host port 7222.
					"pod":           obj{"disableGatewaysHostPort": true},
					"gatewayConfig": obj{"name": gw, "hostPort": 7222, "gateways": gateways},
				}
			}
			a := createCluster(t, tc.a, spec(tc.gwA))
			b := createCluster(t, tc.b, spec(tc.gwB))
			podsA := a.waitReady(2, env.natsVersion)
			podsB := b.waitReady(2, env.natsVersion)
			all := map[string][]corev1.Pod{tc.gwA: podsA, tc.gwB: podsB}
			for gw, pods := range all {
				other := tc.gwB
				if gw == tc.gwB {
					other = tc.gwA
				}
				for _, p := range pods {
					eventually(t, convergeWithin, p.Name+" has a gateway to "+other, func() error {
						var g gatewayz
						if err := monitor(p, "/gatewayz", &g); err != nil {
							return err
						}
						if g.Name != gw {
							return fmt.Errorf("gateway name %q, want %q", g.Name, gw)
						}
						if out, ok := g.OutboundGateways[other]; !ok || out.Connection == nil {
							return fmt.Errorf("no outbound gateway to %s (%v)", other, g.OutboundGateways)
						}
						return nil
					})
				}
			}
			requireDelivery(t, mustConnectPod(t, podsB[1]), mustConnectPod(t, podsA[0]), "e2e.gw.ab")
			requireDelivery(t, mustConnectPod(t, podsA[1]), mustConnectPod(t, podsB[0]), "e2e.gw.ba")
		})
	}
}

type leafz struct {
	Leafs []struct {
		Name string `json:"name"`
	} `json:"leafs"`
}

// TestLeafnodes: a hub NatsCluster with a leafnode listener and a leaf
// NatsCluster whose servers solicit it; messages flow both ways.
func TestLeafnodes(t *testing.T) {
	t.Parallel()
	const hubName, leafName = "e2e-hub", "e2e-leaf"
	hub := createCluster(t, hubName, obj{
		"size": 2, "version": env.natsVersion,
		"pod":            obj{"disableLeafnodesHostPort": true},
		"leafnodeConfig": obj{"hostPort": 7422},
	})
	leaf := createCluster(t, leafName, obj{
		"size": 2, "version": env.natsVersion,
		"leafnodeConfig": obj{"remotes": []any{obj{"urls": []any{
			fmt.Sprintf("nats://%s:7422", podHost(hubName, 0)),
			fmt.Sprintf("nats://%s:7422", podHost(hubName, 1)),
		}}}},
	})
	hubPods := hub.waitReady(2, env.natsVersion)
	leafPods := leaf.waitReady(2, env.natsVersion)
	eventually(t, convergeWithin, "both leaf servers connected to the hub", func() error {
		n := 0
		for _, p := range hubPods {
			var l leafz
			if err := monitor(p, "/leafz", &l); err != nil {
				return err
			}
			n += len(l.Leafs)
		}
		if n != len(leafPods) {
			return fmt.Errorf("%d leafnode connections on the hub, want %d", n, len(leafPods))
		}
		return nil
	})
	requireDelivery(t, mustConnectPod(t, leafPods[1]), mustConnectPod(t, hubPods[0]), "e2e.leaf.down")
	requireDelivery(t, mustConnectPod(t, hubPods[1]), mustConnectPod(t, leafPods[0]), "e2e.leaf.up")
}

// TestWebsocket: a websocket client and a plain client on different
// servers exchange messages.
func TestWebsocket(t *testing.T) {
	t.Parallel()
	c := createCluster(t, "e2e-ws", obj{
		"size": 2, "version": env.natsVersion,
		"pod":             obj{"disableWebsocketsHostPort": true},
		"websocketConfig": obj{"port": 8080},
	})
	pods := c.waitReady(2, env.natsVersion)
	waitMesh(t, pods)
	wsURL := "ws://" + net.JoinHostPort(pods[0].Status.PodIP, "8080")
	ws, err := nats.Connect(wsURL, nats.IgnoreDiscoveredServers(), nats.NoReconnect(), nats.Name(t.Name()))
	if err != nil {
		t.Fatalf("websocket client on %s: %v", wsURL, err)
	}
	defer ws.Close()
	plain := mustConnectPod(t, pods[1])
	requireDelivery(t, ws, plain, "e2e.ws.in")
	requireDelivery(t, plain, ws, "e2e.ws.out")
}

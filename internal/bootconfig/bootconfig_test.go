package bootconfig

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func node(labels map[string]string, addrs ...corev1.NodeAddress) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: labels}, Status: corev1.NodeStatus{Addresses: addrs}}
}

func TestAddress(t *testing.T) {
	ext := corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "203.0.113.7"}
	in := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.0.0.7"}
	tests := []struct {
		name, wantIP, wantSource, wantErr string
		node                              *corev1.Node
	}{
		{name: "ExternalIP first", node: node(map[string]string{ExternalIPLabel: "198.51.100.1"}, in, ext), wantIP: "203.0.113.7", wantSource: "ExternalIP"},
		{name: "label when there is no ExternalIP", node: node(map[string]string{ExternalIPLabel: "198.51.100.1"}, in), wantIP: "198.51.100.1", wantSource: "label"},
		{name: "InternalIP as the last resort", node: node(nil, in), wantIP: "10.0.0.7", wantSource: "InternalIP"},
		{name: "nothing", node: node(nil), wantErr: "has no ExternalIP, no nats.io/node-external-ip label and no InternalIP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip, source, err := Address(tt.node)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || ip != tt.wantIP || !strings.HasPrefix(source, tt.wantSource) {
				t.Errorf("Address = %q, %q, %v; want %q from %s", ip, source, err, tt.wantIP, tt.wantSource)
			}
		})
	}
}

// TestFilesLoadInNatsServer writes the files for a node without ExternalIP
// and includes them the way the rendered nats.conf does.
func TestFilesLoadInNatsServer(t *testing.T) {
	dir := t.TempDir()
	cs := fake.NewClientset(node(nil, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "10.0.0.7"}))
	files := Files{Client: filepath.Join(dir, "advertise", "client_advertise.conf"), Gateway: filepath.Join(dir, "advertise", "gateway_advertise.conf")}
	msg, err := Run(context.Background(), cs, "n1", files)
	if err != nil || !strings.Contains(msg, "10.0.0.7") {
		t.Fatalf("Run = %q, %v", msg, err)
	}
	conf := `{
  "port": 4222,
  "gateway": {"name": "east", "port": 7222,
    include "advertise/gateway_advertise.conf"
  },
  include "advertise/client_advertise.conf"
}`
	path := filepath.Join(dir, "nats.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if opts.ClientAdvertise != "10.0.0.7" || opts.Gateway.Advertise != "10.0.0.7" {
		t.Errorf("client_advertise %q gateway advertise %q", opts.ClientAdvertise, opts.Gateway.Advertise)
	}
	if _, err := Run(context.Background(), cs, "", files); err == nil {
		t.Errorf("a missing node name must be an error")
	}
}

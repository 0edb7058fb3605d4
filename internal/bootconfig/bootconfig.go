// Package bootconfig is the init container behind advertiseExternalIP: it
// finds the address of the node a NATS pod runs on and writes the include
// files nats.conf uses to advertise it to clients, gateways and leafnodes.
//
// Unlike nats-operator's boot-config image it does not fail on nodes
// without an ExternalIP (AKS and others, nats-operator#307): it falls back
// to the node label nats.io/node-external-ip, then to the InternalIP.
package bootconfig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ExternalIPLabel lets an administrator name a node's public address when
// the node object has none.
const ExternalIPLabel = "nats.io/node-external-ip"

// Address picks the address to advertise and says where it came from.
func Address(node *corev1.Node) (ip, source string, err error) {
	if ip := nodeAddress(node, corev1.NodeExternalIP); ip != "" {
		return ip, "ExternalIP", nil
	}
	if ip := node.Labels[ExternalIPLabel]; ip != "" {
		return ip, "label " + ExternalIPLabel, nil
	}
	if ip := nodeAddress(node, corev1.NodeInternalIP); ip != "" {
		return ip, "InternalIP (the node has no ExternalIP)", nil
	}
	return "", "", fmt.Errorf("node %s has no ExternalIP, no %s label and no InternalIP", node.Name, ExternalIPLabel)
}

func nodeAddress(node *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range node.Status.Addresses {
		if a.Type == t && a.Address != "" {
			return a.Address
		}
	}
	return ""
}

// Files are the include files nats.conf expects.
type Files struct {
	// Client gets client_advertise; Gateway gets advertise (used by the
	// gateway and leafnode blocks).
	Client, Gateway string
}

// Run reads the node and writes the files. It returns a line for the log.
func Run(ctx context.Context, cs kubernetes.Interface, nodeName string, f Files) (string, error) {
	if nodeName == "" {
		return "", fmt.Errorf("KUBERNETES_NODE_NAME is not set (downward API spec.nodeName)")
	}
	node, err := cs.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("reading node %s (the pod's service account needs get on nodes): %w", nodeName, err)
	}
	ip, source, err := Address(node)
	if err != nil {
		return "", err
	}
	for path, content := range map[string]string{
		f.Client:  fmt.Sprintf("client_advertise: %q\n", ip),
		f.Gateway: fmt.Sprintf("advertise: %q\n", ip),
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("advertising %s from node %s (%s)", ip, nodeName, source), nil
}

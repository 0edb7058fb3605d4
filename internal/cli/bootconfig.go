package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/nats-operator/nats-operator/internal/bootconfig"
)

// BootConfig is the init container of advertiseExternalIP: it writes the
// advertise include files for the node the pod runs on.
func BootConfig(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("bootconfig", flag.ContinueOnError)
	clientFile := fs.String("f", "/etc/nats-config/advertise/client_advertise.conf", "client advertise include file")
	gatewayFile := fs.String("gf", "/etc/nats-config/advertise/gateway_advertise.conf", "gateway and leafnode advertise include file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	msg, err := bootconfig.Run(ctx, cs, os.Getenv("KUBERNETES_NODE_NAME"), bootconfig.Files{Client: *clientFile, Gateway: *gatewayFile})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, msg)
	return err
}

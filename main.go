// Command nats-operator runs NATS clusters on Kubernetes from NatsCluster
// resources: a Helm-hybrid operator (helm-operator-plugins renders the
// topology, Go controllers own auth and status).
//
//	nats-operator run     the operator (default)
//	nats-operator render  print the objects for a NatsCluster, no cluster needed
//	nats-operator bootconfig  init container: advertise the node's address
//	nats-operator callout     auth callout sidecar: ServiceAccount tokens at connect time
package main

import (
	"embed"
	"fmt"
	"io/fs"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/nats-operator/nats-operator/internal/cli"
)

// assets are the chart, CRDs, samples and watches.yaml, so that render
// works from the binary alone.
//
//go:embed watches.yaml config/crd/bases/*.yaml config/samples/*.yaml all:helm-charts/nats-cluster
var assets embed.FS

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	ctx := ctrl.SetupSignalHandler()
	switch cmd {
	case "run":
		cli.SetupLogging()
		return cli.Run(ctx, args)
	case "render":
		return cli.Render(ctx, args, fs.FS(assets), os.Stdin, os.Stdout)
	case "local":
		return fmt.Errorf("the embedded control plane is `make run` (go run ./cmd/nats-operator-local), not part of the operator's binary")
	case "bootconfig":
		return cli.BootConfig(ctx, args, os.Stdout)
	case "callout":
		cfg, err := ctrl.GetConfig()
		if err != nil {
			return err
		}
		return cli.Callout(ctx, args, cfg)
	default:
		return fmt.Errorf("unknown command %q (want run, render, bootconfig or callout)", cmd)
	}
}

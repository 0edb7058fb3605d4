// Command nats-operator-local is `make run` without a kubeconfig: the
// operator on an embedded control plane (kube-apiserver and etcd from
// KUBEBUILDER_ASSETS), with the repository's samples applied and
// reconciled. It reads the chart, CRDs, samples and watches.yaml from the
// repository it runs in, and is not part of the operator's image
// (internal/localcmd says why).
package main

import (
	"fmt"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/nats-operator/nats-operator/internal/localcmd"
)

func main() {
	if _, err := os.Stat("watches.yaml"); err != nil {
		fmt.Fprintln(os.Stderr, "error: run from the repository's top directory (make run does)")
		os.Exit(1)
	}
	if err := localcmd.Local(ctrl.SetupSignalHandler(), os.Args[1:], os.DirFS("."), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

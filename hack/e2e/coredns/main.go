// Command coredns is a minimal CoreDNS for the e2e node: the cluster.local
// zone from the API server and nothing else. It has no forward plugin, so a
// name outside the cluster is never resolved upstream and no query leaves the
// machine.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/log"
)

func init() {
	// Only the directives compiled in; the order is CoreDNS's own.
	dnsserver.Directives = []string{"bind", "errors", "log", "kubernetes"}
}

func main() { coremain.Run() }

package hostile

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var (
	cp *testutil.ControlPlane
	// stopOperator stops the operator once; the corpus test stops it
	// itself, to see that it ends cleanly and to resolve nats.conf
	// variables while nothing else reads the environment.
	stopOperator func() error
)

// One all-namespaces operator, as a cluster-scoped install runs it: the
// mode in which a NatsCluster could reach other namespaces.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	defer func() {
		if standInsVal != nil {
			_ = os.RemoveAll(standInsDir(standInsVal))
		}
	}()
	if testing.Short() {
		return m.Run()
	}
	var err error
	if cp, err = testutil.StartControlPlane(wideServiceRange); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = cp.Stop() }()
	// The client limits ctrl.GetConfig gives the operator in production.
	cp.Config.QPS, cp.Config.Burst = 20, 30
	stop, err := cp.RunOperator(operator.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var once sync.Once
	var stopErr error
	stopOperator = func() error {
		once.Do(func() { stopErr = stop() })
		return stopErr
	}
	defer func() { _ = stopOperator() }()
	return m.Run()
}

// wideServiceRange gives the corpus room: every deployed NatsCluster's
// client Service takes a ClusterIP, and envtest's default range (a /24)
// runs out after about 250.
func wideServiceRange(env *envtest.Environment) {
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.0.0.0/16")
}

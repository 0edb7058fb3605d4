//go:build e2e

// Package e2e runs NatsClusters on a real single-node Kubernetes cluster with
// the operator deployed in it by `make deploy`: real NATS pods, reached from
// this process through their pod IPs on the node's bridge. `make e2e` brings
// the node up (hack/e2e), runs these tests and tears the node down.
//
// The build tag keeps them out of `go test ./...`; without a node they fail
// at once and say so.
package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// settings come from hack/e2e/run.sh, which knows the node and the images it built.
type settings struct {
	namespace      string // where the tests create NatsClusters
	install        string // "namespace" or "cluster"
	operatorNS     string
	operatorDeploy string
	natsVersion    string // the chart's current NATS version
	natsOld        string // an older 2.x for rolling changes
	natsV1         string // a 1.x (gnatsd) version
	volumeDir      string // host directory for hostPath PersistentVolumes
	nodeIP         string
}

var (
	env  settings
	kc   client.Client
	cs   *kubernetes.Clientset
	rcfg *rest.Config
)

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\nThese tests need the node of `make e2e` (hack/e2e/run.sh).\n", err)
		os.Exit(1)
	}
	code := m.Run()
	if err := operatorNotRestarted(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		code = 1
	}
	os.Exit(code)
}

func setup() error {
	get := func(key string) (string, error) {
		v := os.Getenv(key)
		if v == "" {
			return "", fmt.Errorf("%s is not set", key)
		}
		return v, nil
	}
	var err error
	vals := map[string]*string{
		"E2E_KUBECONFIG":       new(string),
		"E2E_NAMESPACE":        &env.namespace,
		"E2E_INSTALL":          &env.install,
		"E2E_OPERATOR_NS":      &env.operatorNS,
		"E2E_OPERATOR_DEPLOY":  &env.operatorDeploy,
		"E2E_NATS_VERSION":     &env.natsVersion,
		"E2E_NATS_OLD_VERSION": &env.natsOld,
		"E2E_NATS_V1_VERSION":  &env.natsV1,
		"E2E_VOLUME_DIR":       &env.volumeDir,
		"E2E_NODE_IP":          &env.nodeIP,
	}
	for key, dst := range vals {
		if *dst, err = get(key); err != nil {
			return err
		}
	}
	rcfg, err = clientcmd.BuildConfigFromFlags("", *vals["E2E_KUBECONFIG"])
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	rcfg.QPS, rcfg.Burst = 50, 100
	if kc, err = client.New(rcfg, client.Options{Scheme: clientgoscheme.Scheme}); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	if cs, err = kubernetes.NewForConfig(rcfg); err != nil {
		return fmt.Errorf("clientset: %w", err)
	}
	return waitOperator()
}

// waitOperator: the operator's Deployment is available, i.e. its pod passed
// the readiness probe of config/manager under its own ServiceAccount.
func waitOperator() error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		var d appsv1.Deployment
		last = kc.Get(ctx, client.ObjectKey{Namespace: env.operatorNS, Name: env.operatorDeploy}, &d)
		if last == nil {
			if d.Status.AvailableReplicas >= 1 && d.Status.UpdatedReplicas == d.Status.Replicas {
				return nil
			}
			last = fmt.Errorf("deployment %s/%s: %d available", env.operatorNS, env.operatorDeploy, d.Status.AvailableReplicas)
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("operator not available: %w", last)
}

// operatorNotRestarted: a crash of the operator during the run is a failure
// even when every test recovered from it.
func operatorNotRestarted() error {
	var pods corev1.PodList
	if err := kc.List(context.Background(), &pods, client.InNamespace(env.operatorNS),
		client.MatchingLabels{"control-plane": "controller-manager"}); err != nil {
		return fmt.Errorf("list operator pods: %w", err)
	}
	for _, p := range pods.Items {
		for _, st := range p.Status.ContainerStatuses {
			if st.RestartCount > 0 {
				return fmt.Errorf("operator pod %s restarted %d times (last state %+v)", p.Name, st.RestartCount, st.LastTerminationState)
			}
		}
	}
	return nil
}

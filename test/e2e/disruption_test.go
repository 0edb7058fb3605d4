//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEviction: the PodDisruptionBudget lets one server go at a time, and
// an evicted server enters lame-duck mode, telling its clients to move.
func TestEviction(t *testing.T) {
	t.Parallel()
	c := createCluster(t, "e2e-evict", obj{"size": 3, "version": env.natsVersion})
	pods := c.waitReady(3, env.natsVersion)
	waitMesh(t, pods)
	eventually(t, convergeWithin, "the PodDisruptionBudget allows one disruption", func() error {
		var pdb policyv1.PodDisruptionBudget
		if err := kc.Get(context.Background(), c.key(), &pdb); err != nil {
			return err
		}
		if pdb.Status.ObservedGeneration < pdb.Generation || pdb.Status.DisruptionsAllowed != 1 {
			return fmt.Errorf("%d disruptions allowed", pdb.Status.DisruptionsAllowed)
		}
		return nil
	})

	lameDuck := make(chan struct{}, 1)
	mustConnectPod(t, pods[1], nats.LameDuckModeHandler(func(*nats.Conn) {
		select {
		case lameDuck <- struct{}{}:
		default:
		}
	}))

	if err := evict(pods[1]); err != nil {
		t.Fatalf("first eviction (%s): %v", pods[1].Name, err)
	}
	err := evict(pods[2])
	if !apierrors.IsTooManyRequests(err) {
		t.Errorf("second eviction (%s) while %s is going: got %v, want 429 Too Many Requests", pods[2].Name, pods[1].Name, err)
	}
	select {
	case <-lameDuck:
	case <-time.After(time.Minute):
		t.Errorf("the client of %s was not told about lame-duck mode", pods[1].Name)
	}
	pods = c.waitReady(3, env.natsVersion)
	waitMesh(t, pods)
}

func evict(p corev1.Pod) error {
	return kc.SubResource("eviction").Create(context.Background(), &p, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
	})
}

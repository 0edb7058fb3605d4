package testutil

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/status"
)

// WaitTimeout is how long the fixtures wait for the operator: far more than
// a reconcile takes on the API server, so only a real failure reaches it.
const WaitTimeout = 60 * time.Second

// SampleCluster is the README's example (config/samples), in namespace ns,
// not yet created.
func SampleCluster(t testing.TB, ns string) *natsv1alpha2.NatsCluster {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(RepoRoot(), "config", "samples", "nats_v1alpha2_natscluster.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var nc natsv1alpha2.NatsCluster
	if err := yaml.UnmarshalStrict(raw, &nc); err != nil {
		t.Fatal(err)
	}
	nc.Namespace = ns
	return &nc
}

// WaitCondition waits until the NatsCluster's condition typ has status
// and returns the NatsCluster as it was then.
func (cp *ControlPlane) WaitCondition(t testing.TB, key client.ObjectKey, typ string, want metav1.ConditionStatus) *natsv1alpha2.NatsCluster {
	t.Helper()
	var nc natsv1alpha2.NatsCluster
	Eventually(t, WaitTimeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, key, &nc); err != nil {
			return err
		}
		if c := status.Find(nc.Status.Conditions, typ); c == nil || c.Status != want {
			return fmt.Errorf("condition %s is %+v, want %s", typ, c, want)
		}
		return nil
	})
	return &nc
}

// WaitGone waits until obj no longer exists.
func (cp *ControlPlane) WaitGone(t testing.TB, obj client.Object) {
	t.Helper()
	Eventually(t, WaitTimeout, func(ctx context.Context) error {
		err := cp.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("%T %s/%s still there (finalizers %v, err %v)", obj, obj.GetNamespace(), obj.GetName(), obj.GetFinalizers(), err)
	})
}

package overrides_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestOverrideValuesReachTheObjectOverrides: the official chart's layout
// set in watches.yaml's overrideValues (global.labels, a Service type)
// reaches the post-renderer, which applies it after the chart, like the
// same values in spec.chartValues.
func TestOverrideValuesReachTheObjectOverrides(t *testing.T) {
	testutil.Integration(t)
	runOperatorWithOverrides(t, `
    chartValues.global.labels.cost-center: nats
    chartValues.service.merge.spec.type: NodePort`)

	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace = "labeled", cp.Namespace(t, "official-overrides")
	nc.Spec.Size = ptr.To[int32](3)
	if err := cp.Client.Create(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	// The first install of the operator process pays for its start.
	testutil.Eventually(t, time.Minute, func(ctx context.Context) error {
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &sts); err != nil {
			var cur natsv1alpha2.NatsCluster
			_ = cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur)
			return fmt.Errorf("%w; conditions %+v", err, cur.Status.Conditions)
		}
		if sts.Labels["cost-center"] != "nats" || sts.Spec.Template.Labels["cost-center"] != "nats" {
			return fmt.Errorf("StatefulSet labels %v, pod labels %v: want cost-center=nats", sts.Labels, sts.Spec.Template.Labels)
		}
		var svc corev1.Service
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &svc); err != nil {
			return err
		}
		if svc.Spec.Type != corev1.ServiceTypeNodePort || svc.Labels["cost-center"] != "nats" || svc.Spec.Ports[0].Name != "tcp-client" {
			return fmt.Errorf("client Service type %s labels %v ports %+v", svc.Spec.Type, svc.Labels, svc.Spec.Ports)
		}
		return nil
	})
}

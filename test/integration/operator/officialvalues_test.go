package operator_test

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestOfficialChartOverridesReachTheAPIServer: the official NATS chart's
// object overrides in spec.chartValues land in the objects the operator
// applies (a LoadBalancer client Service with the chart's port name, a
// StatefulSet patch, global labels); one that does not apply is refused
// by its place, with STATUS Refused and a Warning Event, and the running
// objects stay as they were.
func TestOfficialChartOverridesReachTheAPIServer(t *testing.T) {
	nc := deployed(t, "official")
	key := client.ObjectKeyFromObject(nc)
	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.ChartValues = &apiextensionsv1.JSON{Raw: []byte(`{
			"service": {"merge": {"spec": {"type": "LoadBalancer"}}},
			"statefulSet": {"patch": [{"op": "add", "path": "/spec/minReadySeconds", "value": 10}]},
			"global": {"labels": {"team": "messaging"}}}`)}
	})
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var svc corev1.Service
		if err := cp.Client.Get(ctx, key, &svc); err != nil {
			return err
		}
		if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "tcp-client" {
			return fmt.Errorf("client Service type %s ports %+v, want LoadBalancer with tcp-client", svc.Spec.Type, svc.Spec.Ports)
		}
		var sts appsv1.StatefulSet
		if err := cp.Client.Get(ctx, key, &sts); err != nil {
			return err
		}
		if sts.Spec.MinReadySeconds != 10 || sts.Labels["team"] != "messaging" || sts.Spec.Template.Labels["team"] != "messaging" {
			return fmt.Errorf("StatefulSet minReadySeconds %d, labels %v, pod labels %v", sts.Spec.MinReadySeconds, sts.Labels, sts.Spec.Template.Labels)
		}
		return nil
	})
	waitApplied(t, nc)
	before := snapshot(t, nc)

	patchSpec(t, nc, func(s *natsv1alpha2.ClusterSpec) {
		s.ChartValues = &apiextensionsv1.JSON{Raw: []byte(`{
			"service": {"merge": {"spec": {"type": "LoadBalancer"}}},
			"statefulSet": {"patch": [{"op": "add", "path": "/spec/minReadySeconds", "value": 20}, {"op": "remove", "path": "/spec/nothing"}]},
			"global": {"labels": {"team": "messaging"}}}`)}
	})
	waitState(t, nc, natsv1alpha2.StateRefused)
	waitWarningEvent(t, nc, "spec.chartValues.statefulSet.patch[1]")
	if after := snapshot(t, nc); after != before {
		t.Errorf("a refused override moved the release: %+v, was %+v", after, before)
	}
	var sts appsv1.StatefulSet
	mustGet(t, key, &sts)
	if sts.Spec.MinReadySeconds != 10 {
		t.Errorf("minReadySeconds %d, want the running 10", sts.Spec.MinReadySeconds)
	}
}

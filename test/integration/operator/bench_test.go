package operator_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// waitReplicas polls the StatefulSet until it has n replicas.
func waitReplicas(b *testing.B, key client.ObjectKey, n int32) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		var sts appsv1.StatefulSet
		err := cp.Client.Get(ctx, key, &sts)
		if err == nil && ptr.Deref(sts.Spec.Replicas, 0) == n {
			return
		}
		select {
		case <-ctx.Done():
			b.Fatalf("StatefulSet %s never reached %d replicas", key, n)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// BenchmarkCreateToChildren measures a new NatsCluster until its StatefulSet
// exists (perf goal P6: ≤ 5 s), on a real API server.
func BenchmarkCreateToChildren(b *testing.B) {
	ns := cp.Namespace(b, "bench-create")
	ctx := context.Background()
	i := 0
	for b.Loop() {
		nc := &natsv1alpha2.NatsCluster{}
		nc.Name, nc.Namespace = fmt.Sprintf("c%d", i), ns
		nc.Spec.Size = ptr.To[int32](3)
		i++
		if err := cp.Client.Create(ctx, nc); err != nil {
			b.Fatal(err)
		}
		waitReplicas(b, client.ObjectKeyFromObject(nc), 3)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/cluster")
}

// BenchmarkSpecChangeToStatefulSet measures a size change until the
// StatefulSet follows (perf goal P5: ≤ 2 s), including the dry-run, the
// nats.conf check and the upgrade.
func BenchmarkSpecChangeToStatefulSet(b *testing.B) {
	ns := cp.Namespace(b, "bench-change")
	ctx := context.Background()
	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace = "change", ns
	nc.Spec.Size = ptr.To[int32](3)
	if err := cp.Client.Create(ctx, nc); err != nil {
		b.Fatal(err)
	}
	key := client.ObjectKeyFromObject(nc)
	waitReplicas(b, key, 3)
	size := int32(3)
	for b.Loop() {
		size = 3 + (size-2)%3 // 4, 5, 3, 4, …
		var cur natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, key, &cur); err != nil {
			b.Fatal(err)
		}
		patch := client.MergeFrom(cur.DeepCopy())
		cur.Spec.Size = ptr.To(size)
		if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
			b.Fatal(err)
		}
		waitReplicas(b, key, size)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/change")
}

package operator_test

import (
	"context"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestAPIServerRefusesWhatWouldBreak: the CRD's rules make the API server
// refuse, with a message that says what to do, the specs nats-operator
// panicked on and the changes a StatefulSet cannot take.
func TestAPIServerRefusesWhatWouldBreak(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "validation")
	create := []struct {
		name string
		spec natsv1alpha2.ClusterSpec
		want string
	}{
		{"gateway TLS without gatewayConfig", natsv1alpha2.ClusterSpec{TLS: &natsv1alpha2.TLSConfig{GatewaySecret: "gw"}}, "tls.gatewaySecret requires gatewayConfig"},
		{"leafnode TLS without leafnodeConfig", natsv1alpha2.ClusterSpec{TLS: &natsv1alpha2.TLSConfig{LeafnodeSecret: "leaf"}}, "tls.leafnodeSecret requires leafnodeConfig"},
		{"verify_and_map without client TLS", natsv1alpha2.ClusterSpec{Auth: &natsv1alpha2.AuthConfig{TLSVerifyAndMap: true}}, "auth.tlsVerifyAndMap requires tls.serverSecret"},
		{"lame duck shorter than the server accepts", natsv1alpha2.ClusterSpec{LameDuckDurationSeconds: ptr.To[int64](5)}, "spec.lameDuckDurationSeconds"},
	}
	for _, tt := range create {
		t.Run(tt.name, func(t *testing.T) {
			nc := &natsv1alpha2.NatsCluster{Spec: tt.spec}
			nc.Name, nc.Namespace = "refused", ns
			err := cp.Client.Create(ctx, nc)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("create: err = %v, want %q", err, tt.want)
			}
		})
	}

	js := &natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{JetStream: &natsv1alpha2.JetStreamConfig{
		File: &natsv1alpha2.JetStreamFile{Size: ptr.To(resource.MustParse("10Gi"))},
	}}}
	js.Name, js.Namespace = "js", ns
	if err := cp.Client.Create(ctx, js); err != nil {
		t.Fatal(err)
	}
	plain := &natsv1alpha2.NatsCluster{}
	plain.Name, plain.Namespace = "plain", ns
	if err := cp.Client.Create(ctx, plain); err != nil {
		t.Fatal(err)
	}
	update := []struct {
		name   string
		obj    *natsv1alpha2.NatsCluster
		mutate func(*natsv1alpha2.ClusterSpec)
		want   string
	}{
		{"PVC size", js, func(s *natsv1alpha2.ClusterSpec) { s.JetStream.File.Size = ptr.To(resource.MustParse("20Gi")) }, "jetstream.file.size cannot change"},
		{"storage class", js, func(s *natsv1alpha2.ClusterSpec) { s.JetStream.File.StorageClassName = "fast" }, "jetstream.file.storageClassName cannot change"},
		{"file store off", js, func(s *natsv1alpha2.ClusterSpec) {
			s.JetStream.File.Enabled = ptr.To(false)
			s.JetStream.Memory = &natsv1alpha2.JetStreamMemory{MaxSize: resource.MustParse("1Gi")}
		}, "the JetStream file store cannot be turned on or off"},
		{"JetStream on later", plain, func(s *natsv1alpha2.ClusterSpec) { s.JetStream = &natsv1alpha2.JetStreamConfig{} }, "the JetStream file store cannot be turned on or off"},
	}
	for _, tt := range update {
		t.Run(tt.name, func(t *testing.T) {
			var cur natsv1alpha2.NatsCluster
			if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(tt.obj), &cur); err != nil {
				t.Fatal(err)
			}
			patch := client.MergeFrom(cur.DeepCopy()) // the operator writes finalizers meanwhile
			tt.mutate(&cur.Spec)
			err := cp.Client.Patch(ctx, &cur, patch)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("update: err = %v, want %q", err, tt.want)
			}
		})
	}
	// Memory-only JetStream needs no volume, so it may come and go.
	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(plain), &cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.JetStream = &natsv1alpha2.JetStreamConfig{File: &natsv1alpha2.JetStreamFile{Enabled: ptr.To(false)}, Memory: &natsv1alpha2.JetStreamMemory{MaxSize: resource.MustParse("1Gi")}}
	if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
		t.Errorf("turning on memory-only JetStream was refused: %v", err)
	}
}

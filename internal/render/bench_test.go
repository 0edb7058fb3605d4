package render_test

import (
	"context"
	"os"
	"testing"

	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// BenchmarkRender measures the whole offline path of one NatsCluster: CRD
// admission, translation, chart rendering and the nats-server config check.
// The operator pays the render and the check on every Helm dry-run, so this
// bounds the CPU cost of a reconcile (perf goals P4/P5). bytes/manifest is
// what the release stores per revision (P13: ≤ 100 KiB).
func BenchmarkRender(b *testing.B) {
	r, err := render.New(repofs.FS())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, file string }{
		{"basic", "config/samples/nats_v1alpha2_natscluster.yaml"},
		{"everything", "internal/render/testdata/everything.yaml"},
	} {
		in, err := os.ReadFile(repofs.Root() + "/" + bc.file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				out, err := r.RenderDocuments(context.Background(), in)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size), "bytes/manifest")
		})
	}
}

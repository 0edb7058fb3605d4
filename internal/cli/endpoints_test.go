package cli_test

import (
	"testing"

	"github.com/nats-operator/nats-operator/internal/cli"
)

func TestEndpoints(t *testing.T) {
	tests := []struct {
		metrics, probe string
		secure         bool
		want           cli.ServedEndpoints
	}{
		{":8443", ":8081", true, cli.ServedEndpoints{Metrics: "https://localhost:8443/metrics", Health: "http://localhost:8081/healthz"}},
		{"127.0.0.1:8080", "127.0.0.1:8081", false, cli.ServedEndpoints{Metrics: "http://127.0.0.1:8080/metrics", Health: "http://127.0.0.1:8081/healthz"}},
		{"0", "", false, cli.ServedEndpoints{Metrics: "off", Health: "off"}},
		{"[::1]:9", "0.0.0.0:7", false, cli.ServedEndpoints{Metrics: "http://[::1]:9/metrics", Health: "http://localhost:7/healthz"}},
	}
	for _, tt := range tests {
		if got := cli.Endpoints(tt.metrics, tt.secure, tt.probe); got != tt.want {
			t.Errorf("Endpoints(%q, %v, %q) = %+v, want %+v", tt.metrics, tt.secure, tt.probe, got, tt.want)
		}
	}
}

// Package images is the one table of images the operator deploys. Each can
// be replaced through a RELATED_IMAGE_* environment variable of the
// operator, which OLM sets for disconnected installs.
package images

import (
	"os"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Image is one deployable image.
type Image struct {
	// Name is the relatedImages name in the CSV.
	Name string
	// Env is the operator environment variable that replaces Default.
	Env string
	// Default is the image used when Env is unset.
	Default string
}

// The images the operator deploys.
var (
	NATS     = Image{Name: "nats", Env: "RELATED_IMAGE_NATS", Default: natsv1alpha2.DefaultServerImage + ":" + natsv1alpha2.DefaultVersion}
	Reloader = Image{Name: "config-reloader", Env: "RELATED_IMAGE_CONFIG_RELOADER", Default: "natsio/nats-server-config-reloader:0.23.0"}
	Exporter = Image{Name: "prometheus-nats-exporter", Env: "RELATED_IMAGE_PROMETHEUS_NATS_EXPORTER", Default: "natsio/prometheus-nats-exporter:0.20.1"}
	// Operator is this operator's own image; it also serves as the
	// advertiseExternalIP init container (nats-operator bootconfig).
	Operator = Image{Name: "nats-operator", Env: "RELATED_IMAGE_OPERATOR", Default: "ghcr.io/nats-operator/nats-operator:" + OperatorVersion}
)

// OperatorVersion is the operator's release; the bundle's CSV version.
const OperatorVersion = "0.1.0"

// All lists every image the operator deploys, in a stable order.
var All = []Image{NATS, Reloader, Exporter, Operator}

// Ref is the image to deploy: the environment's override, else the default.
func (i Image) Ref() string {
	if v := os.Getenv(i.Env); v != "" {
		return v
	}
	return i.Default
}

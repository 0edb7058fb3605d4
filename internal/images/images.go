// Package images is the one table of images the operator deploys. Each can
// be replaced through a RELATED_IMAGE_* environment variable of the
// operator, which OLM sets for disconnected installs.
package images

import (
	"os"
	"strings"

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

// NATSServer is the image of nats-server version for a NatsCluster that
// names no serverImage of its own, when the operator's environment replaces
// it; ok is false when the default repository (Docker Hub's nats) applies.
// A disconnected install never pulls from Docker Hub, whatever the version:
//
//   - RELATED_IMAGE_NATS_<version> (dots and dashes as underscores, e.g.
//     RELATED_IMAGE_NATS_2_10_29) is that version's image, e.g. a digest;
//   - RELATED_IMAGE_NATS is the default version's image, and its repository,
//     tagged with the version, is every other version's.
func NATSServer(version string) (ref string, ok bool) {
	if v := os.Getenv(NATSVersionEnv(version)); v != "" {
		return v, true
	}
	override := os.Getenv(NATS.Env)
	switch {
	case override == "":
		return "", false
	case version == natsv1alpha2.DefaultVersion:
		return override, true
	default:
		return Repository(override) + ":" + version, true
	}
}

// NATSVersionEnv is the variable that sets the image of one nats-server
// version, e.g. RELATED_IMAGE_NATS_2_10_29 for 2.10.29.
func NATSVersionEnv(version string) string {
	var b strings.Builder
	b.WriteString(NATS.Env + "_")
	for _, r := range strings.ToUpper(version) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Repository is ref without its tag or digest: registry.example.com:5000/nats
// for registry.example.com:5000/nats:2.15.2 or …/nats@sha256:….
func Repository(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

package bundle

import (
	"strings"

	"github.com/nats-operator/nats-operator/internal/images"
)

// OperatorImageName is the relatedImages name of the operator itself.
const OperatorImageName = "nats-operator"

// OperatorImageEnv carries the operator's own image, mirrored like the
// others for disconnected installs.
const OperatorImageEnv = "RELATED_IMAGE_OPERATOR"

const relatedImagePrefix = "RELATED_IMAGE_"

// operandImages are the images of the operator's one image table
// (internal/images) other than the operator's own, whose reference is the
// image being bundled rather than a default.
func operandImages() []images.Image {
	var out []images.Image
	for _, img := range images.All {
		if img.Env != OperatorImageEnv && img.Name != OperatorImageName {
			out = append(out, img)
		}
	}
	return out
}

// relatedImages are the CSV's relatedImages and the operator's
// RELATED_IMAGE_* variables: the operator image first, then the operands.
func relatedImages(operatorImage string) []images.Image {
	out := []images.Image{{Name: OperatorImageName, Env: OperatorImageEnv, Default: operatorImage}}
	return append(out, operandImages()...)
}

// chartImages are the operator chart's default RELATED_IMAGE_<KEY> values,
// keyed by what follows RELATED_IMAGE_.
func chartImages() map[string]string {
	out := map[string]string{}
	for _, img := range operandImages() {
		out[strings.TrimPrefix(img.Env, relatedImagePrefix)] = img.Default
	}
	return out
}

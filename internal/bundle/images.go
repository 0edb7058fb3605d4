package bundle

import (
	"github.com/nats-operator/nats-operator/internal/images"
)

// OperatorImageName is the relatedImages name of the operator itself.
const OperatorImageName = "nats-operator"

// OperatorImageEnv carries the operator's own image, mirrored like the
// others for disconnected installs.
const OperatorImageEnv = "RELATED_IMAGE_OPERATOR"

// relatedImages are the CSV's relatedImages and the operator's
// RELATED_IMAGE_* variables: the operator image first, then every image of
// the operator's one image table (internal/images), with its default.
func relatedImages(operatorImage string) []images.Image {
	out := []images.Image{{Name: OperatorImageName, Env: OperatorImageEnv, Default: operatorImage}}
	return append(out, images.All...)
}

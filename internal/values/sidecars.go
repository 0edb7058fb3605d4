package values

// Values of the containers beside the NATS server and their images: the
// boot-config init container, the reloader and the exporter.

import (
	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/images"
)

// advertiseValues runs the operator's own bootconfig command, which falls
// back to the InternalIP; an image named in the spec (nats-operator's
// boot-config) keeps that image's command.
func advertiseValues(p *natsv1alpha2.PodPolicy) Advertise {
	if p == nil || !p.AdvertiseExternalIP {
		return Advertise{Image: images.Operator.Ref()}
	}
	if p.BootConfigImage == "" && p.BootConfigImageTag == "" {
		return Advertise{ExternalIP: true, Image: images.Operator.Ref()}
	}
	return Advertise{ExternalIP: true, Legacy: true, Image: imageOr(p.BootConfigImage, p.BootConfigImageTag, legacyBootConfig)}
}

// legacyBootConfig is nats-operator's boot-config image, for a spec that
// names only its tag.
var legacyBootConfig = images.Image{Default: "connecteverything/nats-boot-config:0.5.2"}

func reloaderValues(p *natsv1alpha2.PodPolicy) Sidecar {
	if p == nil {
		return Sidecar{Image: images.Reloader.Ref()}
	}
	return Sidecar{Enabled: p.EnableConfigReload, Image: imageOr(p.ReloaderImage, p.ReloaderImageTag, images.Reloader),
		PullPolicy: p.ReloaderImagePullPolicy, Resources: p.ReloaderResources}
}

func metricsValues(p *natsv1alpha2.PodPolicy) Sidecar {
	if p == nil {
		return Sidecar{Image: images.Exporter.Ref()}
	}
	return Sidecar{Enabled: p.EnableMetrics, Image: imageOr(p.MetricsImage, p.MetricsImageTag, images.Exporter),
		PullPolicy: p.MetricsImagePullPolicy}
}

// imageOr is repo:tag when the user named an image, else the default; a tag
// alone keeps the default repository.
func imageOr(repo, tag string, def images.Image) string {
	ref := def.Ref()
	if repo == "" && tag == "" {
		return ref
	}
	defRepo, defTag := splitImage(def.Default)
	return orDefault(repo, defRepo) + ":" + orDefault(tag, defTag)
}

func splitImage(ref string) (repo, tag string) {
	for i := len(ref) - 1; i >= 0; i-- {
		switch ref[i] {
		case ':':
			return ref[:i], ref[i+1:]
		case '/':
			return ref, "latest"
		}
	}
	return ref, "latest"
}

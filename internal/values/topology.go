package values

import (
	"fmt"
	"math"

	"k8s.io/apimachinery/pkg/api/resource"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/images"
	builders "github.com/nats-operator/nats-operator/internal/resource"
)

func tlsValues(spec *natsv1alpha2.ClusterSpec) TLS {
	t := spec.TLS
	if t == nil {
		return TLS{}
	}
	out := TLS{
		Client: TLSBlock{
			Secret: t.ServerSecret, CA: t.ServerSecretCAFileName, Cert: t.ServerSecretCertFileName, Key: t.ServerSecretKeyFileName,
			Timeout: t.ClientsTLSTimeout, Verify: t.Verify, CipherSuites: t.CipherSuites, CurvePreferences: t.CurvePreferences,
		},
		Routes:    TLSBlock{Secret: t.RoutesSecret, CA: t.RoutesSecretCAFileName, Cert: t.RoutesSecretCertFileName, Key: t.RoutesSecretKeyFileName, Timeout: t.RoutesTLSTimeout},
		Gateway:   TLSBlock{Secret: t.GatewaySecret, CA: t.GatewaySecretCAFileName, Cert: t.GatewaySecretCertFileName, Key: t.GatewaySecretKeyFileName, Timeout: t.GatewaysTLSTimeout},
		Leafnodes: TLSBlock{Secret: t.LeafnodeSecret, CA: t.LeafnodeSecretCAFileName, Cert: t.LeafnodeSecretCertFileName, Key: t.LeafnodeSecretKeyFileName, Timeout: t.LeafnodesTLSTimeout},
		Websocket: TLSBlock{Secret: t.WebsocketSecret, CA: t.WebsocketSecretCAFileName, Cert: t.WebsocketSecretCertFileName, Key: t.WebsocketSecretKeyFileName, Timeout: t.WebsocketTLSTimeout},
		HTTPS:     t.EnableHTTPS,
	}
	if spec.Auth != nil {
		out.Client.VerifyAndMap = spec.Auth.TLSVerifyAndMap
	}
	return out
}

// hostPort keeps nats-operator's rule: on unless disabled, and always on
// when the node's external IP is advertised (that address must answer).
func hostPort(disabled bool, p *natsv1alpha2.PodPolicy) bool {
	return !disabled || (p != nil && p.AdvertiseExternalIP)
}

func podPolicy(spec *natsv1alpha2.ClusterSpec) *natsv1alpha2.PodPolicy {
	if spec.Pod == nil {
		return &natsv1alpha2.PodPolicy{}
	}
	return spec.Pod
}

func gatewayValues(spec *natsv1alpha2.ClusterSpec) Gateway {
	g := spec.GatewayConfig
	if g == nil {
		return Gateway{}
	}
	p := podPolicy(spec)
	out := Gateway{Enabled: true, Name: g.Name, Port: g.Port, RejectUnknown: g.RejectUnknown,
		HostPort: hostPort(p.DisableGatewaysHostPort, p), Gateways: []RemoteGateway{}}
	for _, r := range g.Gateways {
		if r != nil {
			out.Gateways = append(out.Gateways, RemoteGateway{Name: r.Name, URL: r.URL})
		}
	}
	return out
}

// leafnodeValues: a hostPort of 0 means remotes only, with no listener,
// which nats-operator could not express.
func leafnodeValues(spec *natsv1alpha2.ClusterSpec) Leafnodes {
	l := spec.LeafNodeConfig
	if l == nil {
		return Leafnodes{Remotes: []LeafRemote{}}
	}
	p := podPolicy(spec)
	out := Leafnodes{Enabled: l.Port > 0, Port: l.Port, HostPort: hostPort(p.DisableLeafnodesHostPort, p), Remotes: []LeafRemote{}}
	for _, r := range l.Remotes {
		if r == nil {
			continue
		}
		urls := []string{}
		if r.URL != "" {
			urls = append(urls, r.URL)
		}
		urls = append(urls, r.URLs...)
		out.Remotes = append(out.Remotes, LeafRemote{URLs: urls, Credentials: r.Credentials})
	}
	return out
}

func websocketValues(spec *natsv1alpha2.ClusterSpec) Websocket {
	w := spec.WebsocketConfig
	if w == nil {
		return Websocket{}
	}
	p := podPolicy(spec)
	return Websocket{Enabled: true, Port: w.Port, HostPort: hostPort(p.DisableWebsocketsHostPort, p),
		HandshakeTimeout: w.HandshakeTimeout, Compression: w.Compression}
}

func operatorValues(o *natsv1alpha2.OperatorConfig) OperatorJWT {
	if o == nil {
		return OperatorJWT{}
	}
	return OperatorJWT{Secret: o.Secret, SystemAccount: o.SystemAccount, Resolver: o.Resolver}
}

// authValues follows nats-operator's precedence, except that static users
// and ServiceAccount users now go together (nats-operator#170); a
// clientsAuthFile is used only when neither is set.
func authValues(nc *natsv1alpha2.NatsCluster) Auth {
	a := nc.Spec.Auth
	if a == nil {
		return Auth{}
	}
	out := Auth{
		Clients: a.ClientsAuthSecret != "" || a.EnableServiceAccounts,
		Cluster: a.ClusterAuthSecret != "",
		Gateway: a.GatewayAuthSecret != "" && nc.Spec.GatewayConfig != nil,
	}
	if !out.Clients {
		out.ClientsFile = a.ClientsAuthFile
	}
	if out.Clients || out.Cluster || out.Gateway {
		out.SecretName = builders.AuthSecretName(nc.Name)
	}
	if a.CalloutMode() {
		out.Callout = Callout{Enabled: true, SecretName: builders.CalloutSecretName(nc.Name), Image: images.Operator.Ref()}
	}
	return out
}

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

// defaultJetStreamSize is the PVC size when none is given.
var defaultJetStreamSize = resource.MustParse("10Gi")

// jetStreamValues derives max_file_store as 90% of the PVC: a formatted
// volume holds less than its nominal size.
func jetStreamValues(js *natsv1alpha2.JetStreamConfig) (JetStream, error) {
	file := JetStreamFile{Size: defaultJetStreamSize.String(),
		WhenDeleted: natsv1alpha2.DefaultClaimsWhenDeleted, WhenScaled: natsv1alpha2.DefaultClaimsWhenScaled}
	if js == nil {
		return JetStream{File: file}, nil
	}
	file.Enabled = true
	out := JetStream{Enabled: true, Domain: js.Domain, File: file}
	size := defaultJetStreamSize
	if f := js.File; f != nil {
		if f.Enabled != nil {
			out.File.Enabled = *f.Enabled
		}
		if f.Size != nil {
			size = *f.Size
		}
		out.File.StorageClassName = f.StorageClassName
		if f.WhenDeleted != "" {
			out.File.WhenDeleted = f.WhenDeleted
		}
		if f.WhenScaled != "" {
			out.File.WhenScaled = f.WhenScaled
		}
	}
	bytes, ok := size.AsInt64()
	if !ok || bytes <= 0 {
		return JetStream{}, fmt.Errorf("spec.jetstream.file.size %s is not a positive byte count", size.String())
	}
	out.File.Size = size.String()
	if out.File.Enabled {
		out.File.MaxBytes = int64(math.Floor(float64(bytes) * 0.9))
	}
	if m := js.Memory; m != nil {
		mem, ok := m.MaxSize.AsInt64()
		if !ok || mem <= 0 {
			return JetStream{}, fmt.Errorf("spec.jetstream.memory.maxSize %s is not a positive byte count", m.MaxSize.String())
		}
		out.Memory.MaxBytes = mem
	}
	if !out.File.Enabled && out.Memory.MaxBytes == 0 {
		return JetStream{}, fmt.Errorf("spec.jetstream: the file store is disabled and no memory store is set: JetStream would have no storage")
	}
	return out, nil
}

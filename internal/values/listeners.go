package values

// Values of the NATS listeners beside the clients' port: TLS per
// protocol, gateways, leafnodes and websockets.

import (
	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
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

package values

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"

	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/natsconf"
)

// Paths in the NATS container that nats.conf and the pod template agree on.
const (
	// ConfigDir is where the ConfigMap with nats.conf is mounted; includes
	// are relative to it.
	ConfigDir = "/etc/nats-config"
	// AuthDir is the include directory of the operator's auth Secret,
	// relative to ConfigDir.
	AuthDir = "auth"
	// AdvertiseDir holds the files the bootconfig init container writes,
	// relative to ConfigDir.
	AdvertiseDir = "advertise"
	// OperatorJWTDir is where the operator JWT Secret is mounted; its key
	// op.jwt is the operator JWT.
	OperatorJWTDir  = "/etc/nats-operator"
	OperatorJWTPath = OperatorJWTDir + "/op.jwt"
	// DataDir is where the JetStream PVC is mounted.
	DataDir           = "/data"
	JetStreamStoreDir = DataDir + "/jetstream"
	// PidFile is shared with the reloader and the lame-duck preStop hook.
	PidFile = "/var/run/nats/nats.pid"
	// ClientAdvertiseFile and GatewayAdvertiseFile are written by bootconfig.
	ClientAdvertiseFile  = AdvertiseDir + "/client_advertise.conf"
	GatewayAdvertiseFile = AdvertiseDir + "/gateway_advertise.conf"
)

// release names the objects of one NatsCluster.
type release struct{ name, namespace string }

func (r release) mgmtName() string { return r.name + "-mgmt" }

// generate derives everything the chart places but must not compute:
// nats.conf, its restart hash, the server's capabilities and the route list.
func generate(v *ChartValues, r release, allowOwned bool) (Generated, error) {
	caps := CapabilitiesOf(v.Image.Tag, v.ServerVersion)
	routes := routeList(v, r)
	conf, cluster := configMap(v, r, caps, routes)
	if err := mergeConfig(conf, v.Config.Merge, allowOwned); err != nil {
		return Generated{}, err
	}
	text, err := natsconf.Encode(conf)
	if err != nil {
		return Generated{}, fmt.Errorf("nats.conf: %w", err)
	}
	if len(text) > MaxConfigBytes {
		return Generated{}, fmt.Errorf("nats.conf would be %d bytes; at most %d fit (config.merge is too large)", len(text), MaxConfigBytes)
	}
	// Routes are left out of the hash: a new server learns its peers by
	// gossip, so scaling must not restart the servers already running.
	cluster.Delete("routes")
	restartRelevant, err := natsconf.Encode(conf)
	if err != nil {
		return Generated{}, fmt.Errorf("nats.conf: %w", err)
	}
	sum := sha256.Sum256([]byte(restartRelevant))
	g := Generated{
		NatsConf: text, ConfigHash: hex.EncodeToString(sum[:]), Server: caps, WatchedFiles: watchedFiles(v),
		Paths: Paths{
			ConfigDir: ConfigDir, ConfigFile: path.Join(ConfigDir, "nats.conf"), AuthDir: path.Join(ConfigDir, AuthDir),
			AdvertiseDir: path.Join(ConfigDir, AdvertiseDir), OperatorJWTDir: OperatorJWTDir, PidFile: PidFile, DataDir: DataDir,
			ClientAdvertiseFile: path.Join(ConfigDir, ClientAdvertiseFile), GatewayAdvertiseFile: path.Join(ConfigDir, GatewayAdvertiseFile),
			CalloutDir: auth.CalloutDir,
		},
	}
	if v.Auth.Callout.Enabled {
		g.CalloutArgs = calloutArgs(v, r)
	}
	return g, nil
}

// calloutArgs are the callout sidecar's arguments: its own server on the
// loopback, over TLS with the files of the clients' TLS Secret (which the
// sidecar mounts too) when the clients' port requires TLS; the key only
// when the server asks clients for a certificate.
func calloutArgs(v *ChartValues, r release) []string {
	t := v.TLS.Client
	if t.Secret == "" {
		return []string{"callout", "--server", fmt.Sprintf("nats://127.0.0.1:%d", v.Ports.Client), "--cluster", r.name}
	}
	args := []string{"callout", "--server", fmt.Sprintf("tls://127.0.0.1:%d", v.Ports.Client), "--cluster", r.name,
		"--tls-cert", tlsFilePath(t, t.Cert)}
	if t.CA != "" {
		args = append(args, "--tls-ca", tlsFilePath(t, t.CA))
	}
	if t.Verify {
		args = append(args, "--tls-key", tlsFilePath(t, t.Key))
	}
	return args
}

// MaxConfigBytes bounds nats.conf well inside a ConfigMap's 1 MiB.
const MaxConfigBytes = 512 << 10

// routeList is the full mesh, one route per StatefulSet ordinal (each server
// ignores its own), then routes.extra. With route credentials the auth
// Secret holds the list instead (auth.Routes), built from the same
// RouteServers.
func routeList(v *ChartValues, r release) natsconf.List {
	servers := v.RouteServers(r.name, r.namespace)
	routes := make(natsconf.List, 0, len(servers)+len(v.Routes.Extra))
	for _, hostport := range servers {
		routes = append(routes, natsconf.String("nats://"+hostport))
	}
	for _, extra := range v.Routes.Extra {
		routes = append(routes, natsconf.String(extra))
	}
	return routes
}

// RouteServers are host:port of the route listener of every server of the
// NatsCluster name in namespace, by StatefulSet ordinal.
func (v *ChartValues) RouteServers(name, namespace string) []string {
	r := release{name: name, namespace: namespace}
	servers := make([]string, 0, int(v.Size))
	for i := range int(v.Size) { // bounded by Validate
		servers = append(servers, fmt.Sprintf("%s-%d.%s.%s.svc:%d", r.name, i, r.mgmtName(), r.namespace, v.Ports.Cluster))
	}
	return servers
}

// EnvServerName is the NATS container's variable nats.conf reads
// server_name from.
const EnvServerName = "SERVER_NAME"

// configMap is nats.conf as a block, before config.merge; it also returns
// the cluster block so the caller can leave routes out of the hash.
func configMap(v *ChartValues, r release, caps Capabilities, routes natsconf.List) (*natsconf.Map, *natsconf.Map) {
	s := v.Server
	c := natsconf.NewMap().Set("port", natsconf.Int(v.Ports.Client))
	if v.TLS.HTTPS {
		c.Set("https_port", natsconf.Int(v.Ports.Monitoring))
	} else {
		c.Set("http_port", natsconf.Int(v.Ports.Monitoring))
	}
	c.Set("logtime", natsconf.Bool(s.Logtime))
	if s.ServerName || v.JetStream.Enabled {
		c.Set("server_name", natsconf.Variable(EnvServerName))
	}
	if caps.LameDuck {
		c.Set("lame_duck_duration", natsconf.String(fmt.Sprintf("%ds", s.LameDuckDurationSeconds)))
	}
	setIf(c, "debug", s.Debug)
	setIf(c, "trace", s.Trace)
	if s.WriteDeadline != "" {
		c.Set("write_deadline", natsconf.String(s.WriteDeadline))
	}
	setInt(c, "max_connections", s.MaxConnections)
	setInt(c, "max_payload", s.MaxPayload)
	setInt(c, "max_pending", s.MaxPending)
	setInt(c, "max_subscriptions", s.MaxSubscriptions)
	setInt(c, "max_control_line", s.MaxControlLine)
	if t := v.TLS.Client; t.Secret != "" {
		block := tlsBlock(t)
		setIf(block, "verify", t.Verify)
		setIf(block, "verify_and_map", t.VerifyAndMap)
		if len(t.CipherSuites) > 0 {
			block.Set("cipher_suites", stringList(t.CipherSuites))
		}
		if len(t.CurvePreferences) > 0 {
			block.Set("curve_preferences", stringList(t.CurvePreferences))
		}
		c.Set("tls", block)
	}
	switch {
	case v.Auth.Clients && v.Auth.SecretName != "":
		c.Set("authorization", natsconf.NewMap().Include(path.Join(AuthDir, auth.KeyClients)))
	case v.Auth.ClientsFile != "":
		c.Set("authorization", natsconf.NewMap().Include(v.Auth.ClientsFile))
	}
	cluster := clusterBlock(v, r, caps, routes)
	c.Set("cluster", cluster)
	if v.Gateway.Enabled {
		c.Set("gateway", gatewayBlock(v))
	}
	if v.Leafnodes.Enabled || len(v.Leafnodes.Remotes) > 0 {
		c.Set("leafnodes", leafnodeBlock(v))
	}
	if v.Websocket.Enabled {
		c.Set("websocket", websocketBlock(v))
	}
	if v.OperatorJWT.Secret != "" {
		c.Set("operator", natsconf.String(OperatorJWTPath))
		if v.OperatorJWT.SystemAccount != "" {
			c.Set("system_account", natsconf.String(v.OperatorJWT.SystemAccount))
		}
		if v.OperatorJWT.Resolver != "" {
			c.Set("resolver", natsconf.String(v.OperatorJWT.Resolver))
		}
	}
	if v.JetStream.Enabled {
		js := natsconf.NewMap().
			Set("store_dir", natsconf.String(JetStreamStoreDir)).
			Set("max_memory_store", natsconf.Int(v.JetStream.Memory.MaxBytes))
		fileStore := int64(0)
		if v.JetStream.File.Enabled {
			fileStore = v.JetStream.File.MaxBytes
		}
		js.Set("max_file_store", natsconf.Int(fileStore))
		if v.JetStream.Domain != "" {
			js.Set("domain", natsconf.String(v.JetStream.Domain))
		}
		c.Set("jetstream", js)
	}
	if v.Advertise.ExternalIP {
		c.Include(ClientAdvertiseFile)
	}
	return c, cluster
}

func clusterBlock(v *ChartValues, r release, caps Capabilities, routes natsconf.List) *natsconf.Map {
	cluster := natsconf.NewMap().Set("port", natsconf.Int(v.Ports.Cluster))
	if v.Auth.Cluster {
		// The route URLs carry the credentials, so the auth Secret holds
		// them (auth.KeyRoutes), and the servers reload them on a scale.
		cluster.Include(path.Join(AuthDir, auth.KeyRoutes))
		cluster.Set("authorization", natsconf.NewMap().Include(path.Join(AuthDir, auth.KeyCluster)))
	} else {
		cluster.Set("routes", routes)
	}
	if caps.ClusterName {
		cluster.Set("name", natsconf.String(clusterName(v, r)))
	}
	if v.TLS.Routes.Secret != "" {
		cluster.Set("tls", tlsBlock(v.TLS.Routes))
	}
	return cluster
}

// clusterName is the NATS cluster's name: the NatsCluster's, or with a
// gateway the gateway's, which nats-server requires to be the same (it
// refuses to start with "cluster name conflicts between cluster and
// gateway definitions", a check the config parser does not make).
func clusterName(v *ChartValues, r release) string {
	if v.Gateway.Enabled && v.Gateway.Name != "" {
		return v.Gateway.Name
	}
	return r.name
}

func gatewayBlock(v *ChartValues) *natsconf.Map {
	g := v.Gateway
	gw := natsconf.NewMap().Set("name", natsconf.String(g.Name)).Set("port", natsconf.Int(g.Port))
	setIf(gw, "reject_unknown_cluster", g.RejectUnknown)
	if len(g.Gateways) > 0 {
		remotes := make(natsconf.List, 0, len(g.Gateways))
		for _, rg := range g.Gateways {
			remotes = append(remotes, natsconf.NewMap().Set("name", natsconf.String(rg.Name)).Set("url", natsconf.String(rg.URL)))
		}
		gw.Set("gateways", remotes)
	}
	if v.TLS.Gateway.Secret != "" {
		gw.Set("tls", tlsBlock(v.TLS.Gateway))
	}
	if v.Auth.Gateway {
		gw.Set("authorization", natsconf.NewMap().Include(path.Join(AuthDir, auth.KeyGateway)))
	}
	if v.Advertise.ExternalIP {
		gw.Include(GatewayAdvertiseFile)
	}
	return gw
}

func leafnodeBlock(v *ChartValues) *natsconf.Map {
	l := v.Leafnodes
	leaf := natsconf.NewMap()
	if l.Enabled {
		leaf.Set("port", natsconf.Int(l.Port))
		if v.TLS.Leafnodes.Secret != "" {
			leaf.Set("tls", tlsBlock(v.TLS.Leafnodes))
		}
		if v.Advertise.ExternalIP {
			leaf.Include(GatewayAdvertiseFile)
		}
	}
	if len(l.Remotes) > 0 {
		remotes := make(natsconf.List, 0, len(l.Remotes))
		for _, rm := range l.Remotes {
			remote := natsconf.NewMap().Set("urls", stringList(rm.URLs))
			if rm.Credentials != "" {
				remote.Set("credentials", natsconf.String(rm.Credentials))
			}
			remotes = append(remotes, remote)
		}
		leaf.Set("remotes", remotes)
	}
	return leaf
}

func websocketBlock(v *ChartValues) *natsconf.Map {
	w := v.Websocket
	ws := natsconf.NewMap().Set("port", natsconf.Int(w.Port))
	if v.TLS.Websocket.Secret != "" {
		ws.Set("tls", tlsBlock(v.TLS.Websocket))
	} else {
		ws.Set("no_tls", natsconf.Bool(true))
	}
	if w.HandshakeTimeout != "" {
		ws.Set("handshake_timeout", natsconf.String(w.HandshakeTimeout))
	}
	setIf(ws, "compression", w.Compression)
	return ws
}

// tlsBlock is a tls {} block; file names are relative to the Secret's mount
// directory unless absolute.
func tlsBlock(t TLSBlock) *natsconf.Map {
	b := natsconf.NewMap()
	for _, f := range []struct{ key, file string }{{"ca_file", t.CA}, {"cert_file", t.Cert}, {"key_file", t.Key}} {
		if f.file != "" {
			b.Set(f.key, natsconf.String(tlsFilePath(t, f.file)))
		}
	}
	if t.Timeout > 0 {
		b.Set("timeout", natsconf.Float(t.Timeout))
	}
	return b
}

func tlsFilePath(t TLSBlock, file string) string {
	if path.IsAbs(file) {
		return file
	}
	return path.Join(t.Dir, file)
}

// watchedFiles are the files the reloader watches besides nats.conf: the
// TLS files (certificate rotation reloads) and the include files.
func watchedFiles(v *ChartValues) []string {
	files := []string{}
	for _, t := range []TLSBlock{v.TLS.Client, v.TLS.Routes, v.TLS.Gateway, v.TLS.Leafnodes, v.TLS.Websocket} {
		if t.Secret == "" {
			continue
		}
		for _, f := range []string{t.CA, t.Cert, t.Key} {
			if f != "" {
				files = append(files, tlsFilePath(t, f))
			}
		}
	}
	if v.Auth.SecretName != "" {
		for _, k := range []struct {
			on  bool
			key string
		}{{v.Auth.Clients, auth.KeyClients}, {v.Auth.Cluster, auth.KeyCluster}, {v.Auth.Cluster, auth.KeyRoutes}, {v.Auth.Gateway, auth.KeyGateway}} {
			if k.on {
				files = append(files, path.Join(ConfigDir, AuthDir, k.key))
			}
		}
	}
	if v.Auth.ClientsFile != "" {
		files = append(files, path.Join(ConfigDir, v.Auth.ClientsFile))
	}
	return files
}

func setIf(m *natsconf.Map, key string, on bool) {
	if on {
		m.Set(key, natsconf.Bool(true))
	}
}

func setInt(m *natsconf.Map, key string, n int64) {
	if n != 0 {
		m.Set(key, natsconf.Int(n))
	}
}

func stringList(ss []string) natsconf.List {
	out := make(natsconf.List, 0, len(ss))
	for _, s := range ss {
		out = append(out, natsconf.String(s))
	}
	return out
}

package confcheck

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/nats-io/nats-server/v2/server"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// Include files the operator writes next to nats.conf: the auth Secret
// (mounted at auth/) and the boot-config init container's files.
var (
	clientsInclude          = "auth/" + auth.KeyClients
	clusterInclude          = "auth/" + auth.KeyCluster
	routesInclude           = "auth/" + auth.KeyRoutes
	gatewayInclude          = "auth/" + auth.KeyGateway
	clientAdvertiseInclude  = "advertise/client_advertise.conf"
	gatewayAdvertiseInclude = "advertise/gateway_advertise.conf"
)

// operatorJWTPath is where the chart mounts spec.operatorConfig.secret.
const operatorJWTPath = "/etc/nats-operator/op.jwt"

// overrideFix says what to change when nats.conf replaces what the
// operator owns.
const overrideFix = "The operator owns these nats.conf settings: remove them from spec.chartValues (config.merge) and use the NatsCluster's typed fields (spec.auth, spec.operatorConfig, the listener fields), unless the operator's administrator allows owned-config overrides (docs/security.md)."

// owned is what the NatsCluster's typed fields ask of nats.conf.
type owned struct {
	includes []include
	operator *natsv1alpha2.OperatorConfig
}

// include is a file nats.conf may include, where, and why.
type include struct {
	file string
	// at are the blocks it may land in (lower-case dotted paths, "" the top
	// level); the first is where it must land when required.
	at []string
	// requiredBy names the spec field that makes the operator write it; an
	// include that is only allowed has none.
	requiredBy string
	// alone: the block it lands in holds nothing else (an authorization
	// block the operator fills).
	alone bool
}

// ownedBy follows the value translation (internal/values authValues): a
// clientsAuthFile is used only without operator-written client auth.
func ownedBy(nc *natsv1alpha2.NatsCluster) owned {
	out := owned{operator: nc.Spec.OperatorConfig}
	if a := nc.Spec.Auth; a != nil {
		switch {
		case a.ClientsAuthSecret != "" || a.EnableServiceAccounts:
			out.includes = append(out.includes, include{file: clientsInclude, at: []string{"authorization"}, requiredBy: "spec.auth.clientsAuthSecret or spec.auth.enableServiceAccounts", alone: true})
		case a.ClientsAuthFile != "":
			out.includes = append(out.includes, include{file: path.Clean(a.ClientsAuthFile), at: []string{"authorization"}, requiredBy: "spec.auth.clientsAuthFile", alone: true})
		}
		if a.ClusterAuthSecret != "" {
			out.includes = append(out.includes,
				include{file: clusterInclude, at: []string{"cluster.authorization"}, requiredBy: "spec.auth.clusterAuthSecret", alone: true},
				include{file: routesInclude, at: []string{"cluster"}, requiredBy: "spec.auth.clusterAuthSecret"})
		}
		if a.GatewayAuthSecret != "" && nc.Spec.GatewayConfig != nil {
			out.includes = append(out.includes, include{file: gatewayInclude, at: []string{"gateway.authorization"}, requiredBy: "spec.auth.gatewayAuthSecret", alone: true})
		}
	}
	if p := nc.Spec.Pod; p != nil && p.AdvertiseExternalIP {
		out.includes = append(out.includes,
			include{file: clientAdvertiseInclude, at: []string{""}},
			include{file: gatewayAdvertiseInclude, at: []string{"gateway", "leafnodes"}})
	}
	return out
}

// checkOwnership refuses a nats.conf that replaces what the operator owns:
// o is the config loaded with every include empty, so any user, account or
// token in it came from nats.conf's own text.
func checkOwnership(r *report, own owned, o *server.Options, tree *configTree, ports map[string]int) {
	for _, k := range tree.repeated {
		r.add("Keep one spelling of each key: nats-server reads keys case-insensitively and picks one of the repeats at random.", "nats.conf sets %s more than once with different letter case", k)
	}
	checkIncludes(r, own.includes, tree)
	checkListeners(r, o, ports)
	checkAuthDefinitions(r, o)
	checkTrust(r, own.operator, o, tree)
}

func checkIncludes(r *report, want []include, tree *configTree) {
	byFile := map[string]include{}
	for _, inc := range want {
		byFile[inc.file] = inc
	}
	files := make([]string, 0, len(tree.includedAt))
	for f := range tree.includedAt {
		files = append(files, f)
	}
	sort.Strings(files)
	for _, f := range files {
		inc, ok := byFile[f]
		if !ok {
			r.add(overrideFix, "nats.conf includes %q, which the operator does not write for this NatsCluster (it writes %s)", f, includeList(want))
			continue
		}
		for _, at := range tree.includedAt[f] {
			if !contains(inc.at, at) {
				r.add(overrideFix, "nats.conf includes %q in %s, but it belongs in %s", f, blockName(at), blockNames(inc.at))
			}
		}
	}
	for _, inc := range want {
		if inc.requiredBy == "" {
			continue
		}
		if !contains(tree.includedAt[inc.file], inc.at[0]) {
			r.add(overrideFix, "nats.conf does not include %q in %s, which %s asks for", inc.file, blockName(inc.at[0]), inc.requiredBy)
			continue
		}
		if !inc.alone {
			continue
		}
		block, _ := tree.block(strings.Split(inc.at[0], ".")...)
		if extra := ownKeys(block); len(extra) > 0 {
			r.add(overrideFix, "nats.conf adds %s to %s, which holds only the include of %q (%s)", strings.Join(extra, ", "), blockName(inc.at[0]), inc.file, inc.requiredBy)
		}
	}
}

// listener is a port nats-server opens and the NATS container port that
// declares it.
type listener struct {
	what, keys string
	port       int
	declaredAs string
}

// checkListeners: each listener of nats.conf is a declared container port
// of the NATS container and each such port is listened on; the Services,
// probes and hostPorts the chart renders point at those ports.
func checkListeners(r *report, o *server.Options, declared map[string]int) {
	client := o.Port
	if client == 0 {
		client = server.DEFAULT_PORT
	}
	if o.HTTPPort != 0 && o.HTTPSPort != 0 {
		r.add(overrideFix, "nats.conf sets both http and https monitoring ports; the NATS container declares one %q port", "monitoring")
	}
	for _, l := range []listener{
		{"client connections", "port/listen", client, "client"},
		{"routes", "cluster.port/cluster.listen", o.Cluster.Port, "cluster"},
		{"monitoring", "http_port/https_port", o.HTTPPort + o.HTTPSPort, "monitoring"},
		{"gateways", "gateway.port", o.Gateway.Port, "gateway"},
		{"leafnodes", "leafnodes.port", o.LeafNode.Port, "leafnodes"},
		{"websocket", "websocket.port", o.Websocket.Port, "websocket"},
		{"MQTT", "mqtt.port", o.MQTT.Port, ""},
		{"profiling", "prof_port", o.ProfPort, ""},
	} {
		want, ok := declared[l.declaredAs]
		switch {
		case !ok && l.port != 0:
			r.add(overrideFix, "nats.conf opens a %s listener (%s: %d), but the NATS container declares no such port", l.what, l.keys, l.port)
		case ok && l.port != want:
			r.add(overrideFix, "nats.conf listens for %s on port %d (%s), but the NATS container's %q port is %d", l.what, l.port, l.keys, l.declaredAs, want)
		}
	}
}

// checkAuthDefinitions refuses any identity nats.conf defines itself: who
// may connect comes only from the operator's include files (the auth
// Secret) or the user's own clientsAuthFile.
func checkAuthDefinitions(r *report, o *server.Options) {
	for _, d := range []struct {
		set  bool
		what string
	}{
		{len(o.Users) > 0, "users (authorization.users or accounts.*.users)"},
		{len(o.Nkeys) > 0, "nkey users (authorization.users or accounts.*.users)"},
		{len(o.Accounts) > 0, "accounts"},
		{o.Authorization != "", "a token (authorization.token)"},
		{o.Username != "" || o.Password != "", "a user and password (authorization.user/password)"},
		{o.NoAuthUser != "", "no_auth_user"},
		{o.AuthCallout != nil, "auth_callout"},
		{o.Cluster.Username != "" || o.Cluster.Password != "", "route credentials (cluster.authorization)"},
		{o.Gateway.Username != "" || o.Gateway.Password != "", "gateway credentials (gateway.authorization)"},
		{o.LeafNode.Username != "" || o.LeafNode.Password != "" || len(o.LeafNode.Users) > 0 || o.LeafNode.Nkey != "", "leafnode users (leafnodes.authorization)"},
		{o.Websocket.Username != "" || o.Websocket.Password != "" || o.Websocket.Token != "" || o.Websocket.NoAuthUser != "", "websocket users (websocket.authorization or websocket.no_auth_user)"},
		{o.MQTT.Username != "" || o.MQTT.Password != "" || o.MQTT.Token != "" || o.MQTT.NoAuthUser != "", "MQTT users (mqtt.authorization or mqtt.no_auth_user)"},
	} {
		if d.set {
			r.add(overrideFix, "nats.conf defines %s in its own text; who may connect comes only from spec.auth (clientsAuthSecret, enableServiceAccounts, clusterAuthSecret, gatewayAuthSecret, clientsAuthFile)", d.what)
		}
	}
}

// checkTrust: decentralized auth (operator, resolver, system account) only
// as spec.operatorConfig asks for it.
func checkTrust(r *report, want *natsv1alpha2.OperatorConfig, o *server.Options, tree *configTree) {
	if len(o.TrustedKeys) > 0 {
		r.add(overrideFix, "nats.conf sets trusted keys (trusted)")
	}
	if tree.value("resolver_preload") != nil {
		r.add(overrideFix, "nats.conf sets resolver_preload")
	}
	operatorKeys := tree.present("operator", "operators", "root_operator", "root_operators")
	resolverKeys := tree.present("resolver", "account_resolver", "accounts_resolver")
	if want == nil {
		want = &natsv1alpha2.OperatorConfig{}
		if len(operatorKeys) > 0 {
			r.add(overrideFix, "nats.conf trusts an operator JWT (%s), but spec.operatorConfig is not set", strings.Join(operatorKeys, ", "))
		}
	} else if op, _ := tree.value("operator").(string); len(operatorKeys) != 1 || len(o.TrustedOperators) != 1 || op != operatorJWTPath {
		r.add(overrideFix, "nats.conf must trust exactly the operator JWT of spec.operatorConfig.secret (operator: %q)", operatorJWTPath)
	}
	res, _ := tree.value("resolver").(string)
	switch {
	case want.Resolver == "" && len(resolverKeys) > 0:
		r.add(overrideFix, "nats.conf sets an account resolver, but spec.operatorConfig.resolver is empty")
	case want.Resolver != "" && (len(resolverKeys) != 1 || res != want.Resolver):
		r.add(overrideFix, "nats.conf's resolver is not exactly spec.operatorConfig.resolver")
	}
	if o.SystemAccount != want.SystemAccount {
		r.add(overrideFix, "nats.conf's system_account is not spec.operatorConfig.systemAccount")
	}
}

func blockName(at string) string {
	if at == "" {
		return "the top level"
	}
	return at + " {}"
}

func blockNames(at []string) string {
	names := make([]string, len(at))
	for i, a := range at {
		names[i] = blockName(a)
	}
	return strings.Join(names, " or ")
}

func includeList(want []include) string {
	if len(want) == 0 {
		return "no include files"
	}
	q := make([]string, len(want))
	for i, inc := range want {
		q[i] = fmt.Sprintf("%q", inc.file)
	}
	return strings.Join(q, ", ")
}

package hostile

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/conf"
	"github.com/nats-io/nats-server/v2/server"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Paths in the NATS container that the operator owns. They are written
// out here, not imported, so that a change in the product is a change this
// test sees.
const (
	configDir      = "/etc/nats-config"
	configFile     = configDir + "/nats.conf"
	authDir        = configDir + "/auth"
	advertiseDir   = configDir + "/advertise"
	operatorJWTDir = "/etc/nats-operator"
	operatorJWT    = operatorJWTDir + "/op.jwt"
	pidFile        = "/var/run/nats/nats.pid"
	storeDir       = "/data/jetstream"
	natsContainer  = "nats"
	envPlaceholder = "env-placeholder"
)

// Release is what one NatsCluster's release runs: its nats.conf and its
// StatefulSet, and what the NatsCluster lets it include.
type Release struct {
	Name, Namespace string
	NatsConf        string
	StatefulSet     *appsv1.StatefulSet
	// ClientsAuthFile is spec.auth.clientsAuthFile: the one include outside
	// the operator's directories, a file the tenant mounts.
	ClientsAuthFile string
	// OperatorJWT is true when spec.operatorConfig is set: the server then
	// trusts the operator JWT the operator mounts.
	OperatorJWT bool
}

// CheckServer loads the release's nats.conf with nats-server's own parser
// and option processing, in the environment the NATS container gives it and
// with the operator's include files empty, and returns every way the server
// would run with something the operator did not configure: users, tokens or
// accounts, listeners other than the container's ports, command-line flags
// or mounts that replace nats.conf. It changes the process environment
// while it runs: nothing else may resolve variables meanwhile.
func CheckServer(r Release) []string {
	c := natsContainerOf(r.StatefulSet)
	if c == nil {
		return []string{fmt.Sprintf("StatefulSet %s has no container %q", r.Name, natsContainer)}
	}
	var problems []string
	problems = append(problems, checkFlags(c)...)
	problems = append(problems, checkMounts(r, c)...)
	if incl := checkIncludes(r); len(incl) > 0 {
		return append(problems, incl...)
	}
	raw, err := loadConf(r, envOf(c))
	if err != nil {
		return append(problems, fmt.Sprintf("nats.conf does not parse: %v", err))
	}
	problems = append(problems, checkTrust(r, raw)...)
	o, err := processOptions(raw)
	if err != nil {
		return append(problems, fmt.Sprintf("nats-server refuses the deployed nats.conf: %v", err))
	}
	problems = append(problems, checkAuth(o)...)
	problems = append(problems, checkListeners(o, c)...)
	if o.StoreDir != "" && o.StoreDir != storeDir {
		problems = append(problems, fmt.Sprintf("JetStream stores in %q, not on the volume at %s", o.StoreDir, storeDir))
	}
	// With a gateway the cluster takes the gateway's name, as nats-server
	// requires; else the NatsCluster's.
	if want := clusterNameOf(r.Name, o); o.Cluster.Name != "" && o.Cluster.Name != want {
		problems = append(problems, fmt.Sprintf("cluster name is %q, not %q (the NatsCluster's, or its gateway's)", o.Cluster.Name, want))
	}
	return problems
}

func natsContainerOf(sts *appsv1.StatefulSet) *corev1.Container {
	if sts == nil {
		return nil
	}
	for i, c := range sts.Spec.Template.Spec.Containers {
		if c.Name == natsContainer {
			return &sts.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

// chartFlags are the flags the chart passes, with the value each must have
// ("" for any value, "-" for a flag without value).
var chartFlags = map[string]string{
	"c": configFile, "P": pidFile, "cluster_advertise": "", "connect_retries": "", "no_advertise": "-",
}

// harmlessFlags change logging only.
var harmlessFlags = map[string]bool{
	"D": true, "V": true, "DV": true, "VV": true, "DVV": true, "debug": true, "trace": true, "T": true, "logtime": true,
}

// checkFlags: command-line flags override nats.conf, so only the chart's
// flags (with the chart's values) and logging flags may be there.
func checkFlags(c *corev1.Container) []string {
	if len(c.Command) == 0 {
		return []string{"the NATS container has no command: the image's default would not read " + configFile}
	}
	args := append(append([]string{}, c.Command[1:]...), c.Args...)
	var problems []string
	seen := map[string]int{}
	for i := 0; i < len(args); i++ {
		tok := args[i]
		if !strings.HasPrefix(tok, "-") || tok == "-" {
			problems = append(problems, fmt.Sprintf("the NATS container passes nats-server the argument %q", tok))
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(tok, "-"), "=")
		if harmlessFlags[name] {
			continue
		}
		want, ok := chartFlags[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("the NATS container passes nats-server the flag %q, which overrides nats.conf", tok))
			// The value, if any, cannot be told from the next flag: stop.
			break
		}
		seen[name]++
		if want == "-" {
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				problems = append(problems, fmt.Sprintf("the NATS container's flag %q has no value", tok))
				break
			}
			i++
			value = args[i]
		}
		if want != "" && value != want {
			problems = append(problems, fmt.Sprintf("the NATS container passes %s %q, not %q", tok, value, want))
		}
	}
	for _, name := range []string{"c", "P"} {
		if seen[name] != 1 {
			problems = append(problems, fmt.Sprintf("the NATS container passes -%s %d times, want once", name, seen[name]))
		}
	}
	return problems
}

// checkMounts: what the NATS container sees at the operator's paths must be
// the operator's volumes.
func checkMounts(r Release, c *corev1.Container) []string {
	var problems []string
	volumes := map[string]corev1.Volume{}
	for _, v := range r.StatefulSet.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	if v, ok := volumes["config"]; !ok || v.ConfigMap == nil || v.ConfigMap.Name != r.Name+"-config" {
		problems = append(problems, fmt.Sprintf("volume \"config\" is %s, not the ConfigMap %s-config", describeVolume(v), r.Name))
	}
	if v, ok := volumes["auth"]; ok && (v.Secret == nil || v.Secret.SecretName != r.Name+"-auth") {
		problems = append(problems, fmt.Sprintf("volume \"auth\" is %s, not the operator's Secret %s-auth", describeVolume(v), r.Name))
	}
	configMounted := false
	for _, m := range c.VolumeMounts {
		at := path.Clean(m.MountPath)
		if m.Name == "config" {
			if at != configDir || m.SubPath != "" {
				problems = append(problems, fmt.Sprintf("the config volume is mounted at %q (subPath %q), not at %s", m.MountPath, m.SubPath, configDir))
			}
			configMounted = true
			continue
		}
		if operatorVolume(m.Name) {
			continue
		}
		if shadowsOwned(at) {
			problems = append(problems, fmt.Sprintf("the NATS container mounts volume %q (%s) at %q: it replaces what the operator renders there", m.Name, describeVolume(volumes[m.Name]), m.MountPath))
		}
	}
	if !configMounted {
		problems = append(problems, "the NATS container does not mount the config volume")
	}
	return problems
}

// operatorVolume names the volumes the chart adds; the tenant cannot
// redefine them (the template's volumes are merged by name, ours first).
func operatorVolume(name string) bool {
	switch name {
	case "pid", "auth", "operator-jwt", "advertiseconfig":
		return true
	}
	return strings.HasSuffix(name, "-tls-certs") || strings.HasSuffix(name, "-js")
}

// shadowsOwned: a tenant mount at path hides the operator's config, auth
// includes or operator JWT: nats.conf, the config directory or one above
// it, or anything at, in or above the include directories and the operator
// JWT's. Other directories below the config directory hide nothing
// nats.conf reads (tenants mount their clients file in one).
func shadowsOwned(at string) bool {
	switch {
	case at == configFile, within(configDir, at):
		return true
	}
	for _, dir := range []string{authDir, advertiseDir, operatorJWTDir} {
		if within(at, dir) || within(dir, at) {
			return true
		}
	}
	return false
}

func within(p, dir string) bool { return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/") }

func describeVolume(v corev1.Volume) string {
	switch {
	case v.Name == "":
		return "missing"
	case v.ConfigMap != nil:
		return "ConfigMap " + v.ConfigMap.Name
	case v.Secret != nil:
		return "Secret " + v.Secret.SecretName
	case v.EmptyDir != nil:
		return "an emptyDir"
	case v.HostPath != nil:
		return "hostPath " + v.HostPath.Path
	}
	return "volume " + v.Name
}

var includeDirective = regexp.MustCompile(`(?mi)^\s*include\s+(?:"([^"]*)"|'([^']*)'|([^\s;}]+))`)

// includes are the files nats.conf includes, as written.
func includes(text string) []string {
	var out []string
	for _, m := range includeDirective.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1]+m[2]+m[3])
	}
	return out
}

// checkIncludes: only the operator's auth and advertise files and the
// tenant's clients file may be included.
func checkIncludes(r Release) []string {
	var problems []string
	for _, inc := range includes(r.NatsConf) {
		clean := path.Clean(inc)
		switch {
		case path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../"):
			problems = append(problems, fmt.Sprintf("nats.conf includes %q, outside %s", inc, configDir))
		case within(clean, "auth"), within(clean, "advertise"):
		case r.ClientsAuthFile != "" && clean == path.Clean(r.ClientsAuthFile):
		default:
			problems = append(problems, fmt.Sprintf("nats.conf includes %q, which is neither the operator's nor spec.auth.clientsAuthFile", inc))
		}
	}
	return problems
}

// envOf is the NATS container's environment as the kubelet builds it: in
// order, later definitions winning, $(VAR) expanded from earlier ones, and
// values from Secrets or the downward API replaced by a placeholder.
func envOf(c *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			env[e.Name] = envPlaceholder
			continue
		}
		env[e.Name] = expandKubelet(e.Value, env)
	}
	return env
}

var kubeletRef = regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func expandKubelet(s string, env map[string]string) string {
	return kubeletRef.ReplaceAllStringFunc(s, func(m string) string {
		if m == "$$" {
			return "$"
		}
		name := m[2 : len(m)-1]
		if v, ok := env[name]; ok {
			return v
		}
		return m
	})
}

var variableRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// loadConf parses nats.conf as nats-server does, includes empty: in a
// directory laid out like the pod's, with exactly the container's
// variables in the environment.
func loadConf(r Release, env map[string]string) (map[string]any, error) {
	dir, err := os.MkdirTemp("", "hostile-conf-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	confDir := filepath.Join(dir, filepath.FromSlash(configDir))
	file := filepath.Join(confDir, "nats.conf")
	if err := os.MkdirAll(confDir, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, []byte(r.NatsConf), 0o600); err != nil {
		return nil, err
	}
	for _, inc := range includes(r.NatsConf) {
		stub := filepath.Join(confDir, filepath.FromSlash(path.Clean(inc)))
		if err := os.MkdirAll(filepath.Dir(stub), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(stub, nil, 0o600); err != nil {
			return nil, err
		}
	}
	restore := setEnv(r.NatsConf, env)
	defer restore()
	return conf.ParseFile(file)
}

// setEnv makes the process environment, for every name nats.conf may
// refer to, what the container has; it returns the undo.
func setEnv(text string, env map[string]string) func() {
	saved := map[string]*string{}
	for _, m := range variableRef.FindAllStringSubmatch(text, -1) {
		name := m[1]
		if _, done := saved[name]; done {
			continue
		}
		if old, ok := os.LookupEnv(name); ok {
			saved[name] = &old
		} else {
			saved[name] = nil
		}
		if v, ok := env[name]; ok {
			_ = os.Setenv(name, v)
		} else {
			_ = os.Unsetenv(name)
		}
	}
	return func() {
		for name, old := range saved {
			if old == nil {
				_ = os.Unsetenv(name)
			} else {
				_ = os.Setenv(name, *old)
			}
		}
	}
}

// checkTrust: an operator JWT, resolver and system account only come from
// spec.operatorConfig, and then from the operator's mount.
func checkTrust(r Release, raw map[string]any) []string {
	var problems []string
	for key, v := range raw {
		switch k := strings.ToLower(key); k {
		case "operator":
			if !r.OperatorJWT || v != operatorJWT {
				problems = append(problems, fmt.Sprintf("nats.conf trusts operator %v, not the operator JWT of spec.operatorConfig", v))
			}
		case "operators", "trusted", "trusted_keys", "resolver_preload":
			problems = append(problems, fmt.Sprintf("nats.conf sets %s", key))
		case "resolver", "system_account":
			if !r.OperatorJWT {
				problems = append(problems, fmt.Sprintf("nats.conf sets %s without spec.operatorConfig", key))
			}
		}
	}
	return problems
}

// processOptions runs nats-server's option processing on the parsed
// config, with stand-ins for the files it opens (certificates, the
// operator JWT).
func processOptions(raw map[string]any) (*server.Options, error) {
	st, err := loadStandIns()
	if err != nil {
		return nil, err
	}
	withFiles := replaceFiles(raw, st, true).(map[string]any)
	var text strings.Builder
	if err := writeConf(&text, withFiles); err != nil {
		return nil, err
	}
	o := &server.Options{}
	if err := o.ProcessConfigString(text.String()); err != nil {
		return nil, err
	}
	return o, nil
}

// writeConf writes a parsed config back as nats.conf text, every string
// quoted with the escapes the server's parser knows (JSON's \uXXXX is not
// one of them).
func writeConf(b *strings.Builder, v any) error {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeString(b, k)
			b.WriteString(": ")
			if err := writeConf(b, t[k]); err != nil {
				return err
			}
		}
		b.WriteString("}")
	case []any:
		b.WriteString("[")
		for i, sub := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := writeConf(b, sub); err != nil {
				return err
			}
		}
		b.WriteString("]")
	case string:
		writeString(b, t)
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(t, 'f', -1, 64))
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case time.Time:
		b.WriteString(t.UTC().Format("2006-01-02T15:04:05Z"))
	default:
		return fmt.Errorf("nats.conf holds a %T (%v) the check cannot write back", v, v)
	}
	return nil
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

func replaceFiles(v any, st *standIns, top bool) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, sub := range t {
			switch key := strings.ToLower(k); {
			case key == "cert_file" || key == "ca_file":
				out[k] = st.cert
			case key == "key_file":
				out[k] = st.key
			case top && key == "operator":
				out[k] = st.jwt
			default:
				out[k] = replaceFiles(sub, st, false)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, sub := range t {
			out[i] = replaceFiles(sub, st, false)
		}
		return out
	}
	return v
}

// checkAuth: with the operator's includes empty, nobody may connect as a
// user, with a token or into an account the config defines itself.
func checkAuth(o *server.Options) []string {
	var found []string
	add := func(what string, set bool) {
		if set {
			found = append(found, what)
		}
	}
	add(fmt.Sprintf("users %v", userNames(o.Users)), len(o.Users) > 0)
	add("nkey users", len(o.Nkeys) > 0)
	add("a client user/password", o.Username != "" || o.Password != "")
	add("a client token", o.Authorization != "")
	add("no_auth_user "+o.NoAuthUser, o.NoAuthUser != "")
	add("auth callout", o.AuthCallout != nil)
	add("a route user/password", o.Cluster.Username != "" || o.Cluster.Password != "")
	add("a gateway user/password", o.Gateway.Username != "" || o.Gateway.Password != "")
	add("leafnode users", o.LeafNode.Username != "" || o.LeafNode.Password != "" || len(o.LeafNode.Users) > 0 || o.LeafNode.Nkey != "")
	add("websocket users", o.Websocket.Username != "" || o.Websocket.Password != "" || o.Websocket.Token != "" || o.Websocket.NoAuthUser != "")
	add("MQTT users", o.MQTT.Username != "" || o.MQTT.Password != "" || o.MQTT.Token != "" || o.MQTT.NoAuthUser != "")
	for _, a := range o.Accounts {
		add("account "+a.Name, a.Name != "$G")
	}
	if len(found) == 0 {
		return nil
	}
	return []string{"nats.conf itself defines " + strings.Join(found, ", ") + ": only the operator's include files may"}
}

func userNames(us []*server.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

// checkListeners: the server listens exactly on the container's ports.
func checkListeners(o *server.Options, c *corev1.Container) []string {
	client := o.Port
	if client == 0 {
		client = server.DEFAULT_PORT
	}
	listeners := map[string]int{
		"client": client, "http": o.HTTPPort, "https": o.HTTPSPort, "cluster": o.Cluster.Port, "gateway": o.Gateway.Port,
		"leafnodes": o.LeafNode.Port, "websocket": o.Websocket.Port, "mqtt": o.MQTT.Port, "profiling": o.ProfPort,
	}
	var problems []string
	byPort := map[int]string{}
	var names []string
	for name := range listeners {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		port := listeners[name]
		switch {
		case port == 0:
			continue
		case port < 0:
			problems = append(problems, fmt.Sprintf("the %s listener is on a random port (%d)", name, port))
			continue
		}
		if other, dup := byPort[port]; dup {
			problems = append(problems, fmt.Sprintf("the %s and %s listeners share port %d: the server cannot start", other, name, port))
		}
		byPort[port] = name
	}
	declared := map[int]bool{}
	for _, p := range c.Ports {
		declared[int(p.ContainerPort)] = true
	}
	for port, name := range byPort {
		if !declared[port] {
			problems = append(problems, fmt.Sprintf("nats.conf opens the %s listener on port %d, which the container does not declare", name, port))
		}
	}
	for port := range declared {
		if _, ok := byPort[port]; !ok {
			problems = append(problems, fmt.Sprintf("the container declares port %d, on which nats.conf opens no listener", port))
		}
	}
	sort.Strings(problems)
	return problems
}

// clusterNameOf is the NATS cluster name the operator gives a release: the
// gateway's name when it has a gateway, else the NatsCluster's.
func clusterNameOf(release string, o *server.Options) string {
	if o.Gateway.Name != "" {
		return o.Gateway.Name
	}
	return release
}

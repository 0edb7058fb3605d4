package values

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/nats-operator/nats-operator/internal/natsconf"
)

// Bounds of the chart values. The CRD holds the same maxima for the typed
// fields; these also hold for spec.chartValues and watches.yaml overrides,
// which the CRD cannot see into.
const (
	MaxSize              = 100
	MaxListItems         = 64
	MaxURLsPerRemote     = 16
	MaxMapEntries        = 64
	MaxNameLength        = 253
	MaxURLLength         = 1024
	MaxImageLength       = 512
	MinLameDuckSeconds   = 30 // nats-server refuses less
	MaxLameDuckSeconds   = 3600
	MaxConnectRetries    = 10000
	MaxDuration          = 24 * time.Hour
	MaxPodListItems      = 256
	maxPodDisruptionSize = MaxSize
	maxServerVersion     = 128
)

// Validate checks every value against the bounds a NATS cluster can use, so
// that nothing downstream (route lists, the ConfigMap, the API server) meets
// a value it cannot take. Each error names the values key.
func (v *ChartValues) Validate() error {
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	check(atMost("size", int64(v.Size), MaxSize))
	if v.Auth.Callout.Enabled {
		check(v.validateCalloutTLS())
	}
	check(v.validatePorts())
	check(between("server.lameDuckDurationSeconds", v.Server.LameDuckDurationSeconds, MinLameDuckSeconds, MaxLameDuckSeconds))
	check(atMost("server.connectRetries", int64(v.Server.ConnectRetries), MaxConnectRetries))
	for key, n := range map[string]int64{
		"server.maxConnections": v.Server.MaxConnections, "server.maxPayload": v.Server.MaxPayload,
		"server.maxPending": v.Server.MaxPending, "server.maxSubscriptions": v.Server.MaxSubscriptions,
		"server.maxControlLine":     v.Server.MaxControlLine,
		"jetstream.memory.maxBytes": v.JetStream.Memory.MaxBytes, "jetstream.file.maxBytes": v.JetStream.File.MaxBytes,
	} {
		check(atMost(key, n, 1<<53))
	}
	check(duration("server.writeDeadline", v.Server.WriteDeadline))
	check(duration("websocket.handshakeTimeout", v.Websocket.HandshakeTimeout))
	check(v.validateImages())
	check(v.validateRoutes())
	check(v.validateTLS())
	check(v.validateAuth())
	check(v.validateJetStream())
	check(v.validatePod())
	check(v.validateNatsContainer())
	check(atMost("podDisruptionBudget.maxUnavailable", int64(v.PodDisruptionBudget.MaxUnavailable), maxPodDisruptionSize))
	check(v.validateOverrides())
	if sm := v.Metrics.ServiceMonitor; sm != nil {
		check(matches("metrics.serviceMonitor.interval", sm.Interval, prometheusDuration, "a Prometheus duration such as 30s"))
		check(maxEntries("metrics.serviceMonitor.labels", len(sm.Labels)))
	}
	return errors.Join(errs...)
}

func (v *ChartValues) validatePorts() error {
	var errs []error
	seen := map[int]string{}
	add := func(key string, port int) {
		if port < 1 || port > 65535 {
			errs = append(errs, fmt.Errorf("%s: %d is not a port (1-65535)", key, port))
			return
		}
		if other, dup := seen[port]; dup {
			errs = append(errs, fmt.Errorf("%s: port %d is already %s", key, port, other))
		}
		seen[port] = key
	}
	add("ports.client", v.Ports.Client)
	add("ports.cluster", v.Ports.Cluster)
	add("ports.monitoring", v.Ports.Monitoring)
	add("ports.metrics", v.Ports.Metrics)
	if v.Gateway.Enabled {
		add("gateway.port", v.Gateway.Port)
	}
	if v.Leafnodes.Enabled {
		add("leafnodes.port", v.Leafnodes.Port)
	}
	if v.Websocket.Enabled {
		add("websocket.port", v.Websocket.Port)
	}
	return errors.Join(errs...)
}

func (v *ChartValues) validateImages() error {
	var errs []error
	for key, img := range map[string]string{
		"image.repository": v.Image.Repository, "image.tag": v.Image.Tag, "image.ref": v.Image.Ref,
		"reloader.image": v.Reloader.Image, "metrics.image": v.Metrics.Image, "advertise.image": v.Advertise.Image,
	} {
		if img == "" && key == "image.ref" {
			continue // optional: repository:tag is the image
		}
		errs = append(errs, matches(key, img, imageReference, "an image reference such as nats:2.15.2 or registry/nats@sha256:..."))
		errs = append(errs, maxLength(key, img, MaxImageLength))
	}
	for key, p := range map[string]corev1.PullPolicy{
		"image.pullPolicy": v.Image.PullPolicy, "reloader.pullPolicy": v.Reloader.PullPolicy,
		"metrics.pullPolicy": v.Metrics.PullPolicy, "advertise.pullPolicy": v.Advertise.PullPolicy,
	} {
		switch p {
		case "", corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
		default:
			errs = append(errs, fmt.Errorf("%s: %q is not Always, IfNotPresent or Never", key, p))
		}
	}
	errs = append(errs, maxLength("serverVersion", v.ServerVersion, maxServerVersion))
	return errors.Join(errs...)
}

func (v *ChartValues) validateRoutes() error {
	var errs []error
	errs = append(errs, maxItems("routes.extra", len(v.Routes.Extra)))
	for i, r := range v.Routes.Extra {
		key := fmt.Sprintf("routes.extra[%d]", i)
		errs = append(errs, natsURL(key, r))
		if strings.Contains(r, "$") {
			// A route URL never needs one, and a route list written anywhere
			// (nats.conf, the auth Secret) then holds no variable to expand.
			errs = append(errs, fmt.Errorf("%s: %q: a route URL must not contain '$'", key, truncated(r)))
		}
	}
	errs = append(errs, maxLength("gateway.name", v.Gateway.Name, MaxNameLength), maxItems("gateway.gateways", len(v.Gateway.Gateways)))
	for i, g := range v.Gateway.Gateways {
		errs = append(errs, maxLength(fmt.Sprintf("gateway.gateways[%d].name", i), g.Name, MaxNameLength),
			natsURL(fmt.Sprintf("gateway.gateways[%d].url", i), g.URL))
	}
	errs = append(errs, maxItems("leafnodes.remotes", len(v.Leafnodes.Remotes)))
	for i, r := range v.Leafnodes.Remotes {
		key := fmt.Sprintf("leafnodes.remotes[%d]", i)
		if len(r.URLs) == 0 || len(r.URLs) > MaxURLsPerRemote {
			errs = append(errs, fmt.Errorf("%s.urls: give 1 to %d URLs", key, MaxURLsPerRemote))
		}
		for j, u := range r.URLs {
			errs = append(errs, natsURL(fmt.Sprintf("%s.urls[%d]", key, j), u))
		}
		if r.Credentials != "" {
			errs = append(errs, filePath(key+".credentials", r.Credentials))
		}
	}
	return errors.Join(errs...)
}

func (v *ChartValues) validateTLS() error {
	var errs []error
	for key, t := range map[string]TLSBlock{
		"tls.client": v.TLS.Client, "tls.routes": v.TLS.Routes, "tls.gateway": v.TLS.Gateway,
		"tls.leafnodes": v.TLS.Leafnodes, "tls.websocket": v.TLS.Websocket,
	} {
		if t.Secret == "" {
			continue
		}
		errs = append(errs, objectName(key+".secret", t.Secret))
		if !path.IsAbs(t.Dir) || path.Clean(t.Dir) != t.Dir {
			errs = append(errs, fmt.Errorf("%s.dir: %q must be a clean absolute path", key, t.Dir))
		}
		for name, f := range map[string]string{"ca": t.CA, "cert": t.Cert, "key": t.Key} {
			if f != "" {
				errs = append(errs, filePath(key+"."+name, f))
			}
		}
		if t.Timeout < 0 || t.Timeout > MaxDuration.Seconds() {
			errs = append(errs, fmt.Errorf("%s.timeout: %v seconds is out of range", key, t.Timeout))
		}
		errs = append(errs, maxItems(key+".cipherSuites", len(t.CipherSuites)), maxItems(key+".curvePreferences", len(t.CurvePreferences)))
		for i, s := range t.CipherSuites {
			errs = append(errs, matches(fmt.Sprintf("%s.cipherSuites[%d]", key, i), s, tlsName, "a TLS cipher suite name"))
		}
		for i, s := range t.CurvePreferences {
			errs = append(errs, matches(fmt.Sprintf("%s.curvePreferences[%d]", key, i), s, tlsName, "a TLS curve name"))
		}
	}
	return errors.Join(errs...)
}

// validateCalloutTLS refuses the client TLS settings the callout sidecar
// cannot follow: it mounts only the clients' TLS Secret, and a client
// certificate mapped to a user competes with the token for who a client is.
func (v *ChartValues) validateCalloutTLS() error {
	t := v.TLS.Client
	if t.Secret == "" {
		return nil
	}
	if t.VerifyAndMap {
		return fmt.Errorf("spec.auth.serviceAccounts.mode Callout and spec.auth.tlsVerifyAndMap both decide who a client is (a token or a certificate): use one of them")
	}
	for _, f := range []struct{ key, field, file string }{
		{"ca", "serverSecretCAFileName", t.CA}, {"cert", "serverSecretCertFileName", t.Cert}, {"key", "serverSecretKeyFileName", t.Key},
	} {
		if path.IsAbs(f.file) {
			return fmt.Errorf("tls.client.%s (spec.tls.%s) %q: with spec.auth.serviceAccounts.mode Callout the TLS files must be keys of spec.tls.serverSecret, which the callout sidecar mounts too, not absolute paths", f.key, f.field, f.file)
		}
	}
	return nil
}

func (v *ChartValues) validateAuth() error {
	var errs []error
	if v.Auth.SecretName != "" {
		errs = append(errs, objectName("auth.secretName", v.Auth.SecretName))
	}
	if v.Auth.ClientsFile != "" {
		if err := natsconf.ValidInclude(v.Auth.ClientsFile); err != nil {
			errs = append(errs, fmt.Errorf("auth.clientsFile (spec.auth.clientsAuthFile): %w", err))
		}
	}
	if v.OperatorJWT.Secret != "" {
		errs = append(errs, objectName("operatorJWT.secret", v.OperatorJWT.Secret))
	}
	errs = append(errs, maxLength("operatorJWT.systemAccount", v.OperatorJWT.SystemAccount, 256),
		maxLength("operatorJWT.resolver", v.OperatorJWT.Resolver, MaxURLLength))
	return errors.Join(errs...)
}

func (v *ChartValues) validateJetStream() error {
	js := v.JetStream
	var errs []error
	errs = append(errs, maxLength("jetstream.domain", js.Domain, MaxNameLength))
	if js.File.StorageClassName != "" {
		errs = append(errs, objectName("jetstream.file.storageClassName", js.File.StorageClassName))
	}
	if js.File.Size != "" {
		if q, err := resource.ParseQuantity(js.File.Size); err != nil || q.Sign() <= 0 {
			errs = append(errs, fmt.Errorf("jetstream.file.size: %q is not a positive quantity such as 10Gi", truncated(js.File.Size)))
		}
	}
	for key, policy := range map[string]string{"jetstream.file.whenDeleted": js.File.WhenDeleted, "jetstream.file.whenScaled": js.File.WhenScaled} {
		if policy != "Delete" && policy != "Retain" {
			errs = append(errs, fmt.Errorf("%s: %q is neither Delete nor Retain", key, truncated(policy)))
		}
	}
	return errors.Join(errs...)
}

func (v *ChartValues) validatePod() error {
	p := v.Pod
	var errs []error
	for key, n := range map[string]int{
		"pod.labels": len(p.Labels), "pod.annotations": len(p.Annotations), "pod.nodeSelector": len(p.NodeSelector),
		"services.client.labels": len(v.Services.Client.Labels), "services.client.annotations": len(v.Services.Client.Annotations),
		"services.mgmt.labels": len(v.Services.Mgmt.Labels), "services.mgmt.annotations": len(v.Services.Mgmt.Annotations),
	} {
		errs = append(errs, maxEntries(key, n))
	}
	for key, n := range map[string]int{"pod.tolerations": len(p.Tolerations), "pod.env": len(p.Env), "pod.volumeMounts": len(p.VolumeMounts)} {
		if n > MaxPodListItems {
			errs = append(errs, fmt.Errorf("%s: %d items; at most %d", key, n, MaxPodListItems))
		}
	}
	return errors.Join(errs...)
}

var (
	imageReference     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$`)
	prometheusDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
	tlsName            = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	filePattern        = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
)

var natsSchemes = map[string]bool{"nats": true, "tls": true, "nats-route": true, "ws": true, "wss": true, "nats-leaf": true}

func natsURL(key, s string) error {
	if len(s) > MaxURLLength {
		return fmt.Errorf("%s: longer than %d characters", key, MaxURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || !natsSchemes[u.Scheme] || u.Host == "" || strings.ContainsAny(s, " \t\r\n\"'{}") || !bracketsAreIPv6(s, u) {
		return fmt.Errorf("%s: %q is not a NATS URL such as nats://host:port", key, truncated(s))
	}
	return nil
}

// bracketsAreIPv6: square brackets appear only around an IPv6 host, as
// in nats://[::1]:6222.
func bracketsAreIPv6(s string, u *url.URL) bool {
	if !strings.ContainsAny(s, "[]") {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.To4() == nil && strings.Count(s, "[") == 1 && strings.Count(s, "]") == 1 &&
		strings.Contains(u.Host, "["+u.Hostname()+"]")
}

func filePath(key, f string) error {
	if len(f) > MaxNameLength || !filePattern.MatchString(f) || strings.Contains(f, "..") {
		return fmt.Errorf("%s: %q is not a plain file path (letters, digits, '.', '_', '-', '/'; no '..')", key, truncated(f))
	}
	return nil
}

func objectName(key, name string) error {
	if msgs := validation.IsDNS1123Subdomain(name); len(msgs) > 0 {
		return fmt.Errorf("%s: %q is not a Kubernetes object name: %s", key, truncated(name), strings.Join(msgs, "; "))
	}
	return nil
}

func duration(key, s string) error {
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > MaxDuration {
		return fmt.Errorf("%s: %q is not a duration between 0s and 24h (such as 10s or 2m)", key, truncated(s))
	}
	return nil
}

// atMost checks a count or size: from 0 to highest.
func atMost(key string, n, highest int64) error {
	return between(key, n, 0, highest)
}

func between(key string, n, lowest, highest int64) error {
	if n < lowest || n > highest {
		return fmt.Errorf("%s: %d is out of range [%d, %d]", key, n, lowest, highest)
	}
	return nil
}

func matches(key, s string, re *regexp.Regexp, what string) error {
	if !re.MatchString(s) {
		return fmt.Errorf("%s: %q is not %s", key, truncated(s), what)
	}
	return nil
}

func maxLength(key, s string, n int) error {
	if len(s) > n {
		return fmt.Errorf("%s: %d characters; at most %d", key, len(s), n)
	}
	return nil
}

func maxItems(key string, n int) error {
	if n > MaxListItems {
		return fmt.Errorf("%s: %d items; at most %d", key, n, MaxListItems)
	}
	return nil
}

func maxEntries(key string, n int) error {
	if n > MaxMapEntries {
		return fmt.Errorf("%s: %d entries; at most %d", key, n, MaxMapEntries)
	}
	return nil
}

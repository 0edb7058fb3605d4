package hostile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// The base specs the string sweeps start from: together they hold every
// string field of the API with a valid value, so a payload in any one of
// them reaches the operator if the CRD lets it through.

// fullBase uses every feature at once (as internal/render's everything.yaml)
// plus every pod and Service policy.
const fullBase = `
size: 3
version: "2.15.2"
serverImage: nats
useServerName: true
natsConfig: {write_deadline: 5s, debug: true}
extraRoutes: [{cluster: other}, {route: "nats://other-mgmt.prod.svc:6222"}]
tls:
  serverSecret: nats-certs
  serverSecretCAFileName: ca.crt
  serverSecretCertFileName: tls.crt
  serverSecretKeyFileName: tls.key
  routesSecret: nats-routes-tls
  enableHttps: true
  verify: true
  clientsTLSTimeout: 5
  cipherSuites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
  curvePreferences: [X25519]
  gatewaySecret: gw-tls
  leafnodeSecret: leaf-tls
  websocketSecret: ws-tls
auth:
  enableServiceAccounts: true
  clientsAuthSecret: nats-clients-auth
  clusterAuthSecret: nats-cluster-auth
  gatewayAuthSecret: nats-gw-auth
  tlsVerifyAndMap: true
gatewayConfig:
  name: east
  hostPort: 7522
  rejectUnknown: true
  gateways: [{name: west, url: "nats://west.example:7522"}]
leafnodeConfig:
  hostPort: 7422
  remotes: [{url: "nats-leaf://hub:7422", urls: ["nats-leaf://hub2:7422"], credentials: /etc/leaf/hub.creds}]
websocketConfig: {port: 8443, handshakeTimeout: 2s, compression: true}
operatorConfig: {secret: op-jwt, systemAccount: ABC, resolver: "URL(http://nats-account-server:9090/jwt/v1/accounts/)"}
pod:
  labels: {team: messaging}
  annotations: {note: kept}
  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Equal, value: nats, effect: NoSchedule}]
  natsEnv: [{name: GOMEMLIMIT, value: 1GiB}]
  enableConfigReload: true
  reloaderImage: natsio/nats-server-config-reloader
  reloaderImageTag: "0.14.0"
  enableMetrics: true
  metricsImage: natsio/prometheus-nats-exporter
  metricsImageTag: "0.15.0"
  advertiseExternalIP: true
  bootconfigImage: natsio/nats-boot-config
  bootconfigImageTag: "0.14.0"
  volumeMounts: [{name: extra, mountPath: /extra}]
template:
  metadata: {annotations: {from: template}}
  spec:
    volumes: [{name: extra, emptyDir: {}}]
    containers: [{name: nats, workingDir: /tmp}]
servicePolicy: {labels: {svc: client}, annotations: {note: client}}
managementServicePolicy: {labels: {svc: mgmt}, annotations: {note: mgmt}}
jetstream:
  domain: hub
  memory: {maxSize: 1Gi}
  file: {size: 20Gi, storageClassName: fast}
`

// filesBase holds what fullBase cannot have at the same time: a clients
// file the user mounts instead of the operator's auth Secret.
const filesBase = `
size: 1
auth: {clientsAuthFile: users/clients.conf, clientsAuthTimeout: 5}
pod:
  volumeMounts: [{name: users, mountPath: /etc/nats-config/users}]
template:
  spec:
    volumes: [{name: users, secret: {secretName: nats-users}}]
`

// chartValuesBase reaches every string of the chart values a NatsCluster
// may set through spec.chartValues.
const chartValuesBase = `
size: 1
chartValues:
  image: {repository: nats, tag: "2.15.2"}
  server: {writeDeadline: 10s}
  routes: {extra: ["nats://other:6222"]}
  gateway: {enabled: true, name: east, port: 7522, gateways: [{name: west, url: "nats://west:7522"}]}
  leafnodes: {remotes: [{urls: ["nats-leaf://hub:7422"], credentials: /etc/leaf/hub.creds}]}
  websocket: {enabled: true, port: 8443, handshakeTimeout: 2s}
  tls: {client: {secret: nats-certs, dir: /etc/nats-server-tls-certs, ca: ca.crt, cert: tls.crt, key: tls.key}}
  reloader: {enabled: true, image: "natsio/nats-server-config-reloader:0.14.0"}
  metrics: {enabled: true, image: "natsio/prometheus-nats-exporter:0.15.0"}
  jetstream: {enabled: true, domain: hub, file: {enabled: true, size: 10Gi, storageClassName: fast}}
  services: {client: {labels: {svc: client}, annotations: {note: client}}, mgmt: {annotations: {note: mgmt}}}
  pod:
    labels: {team: messaging}
    annotations: {note: kept}
    nodeSelector: {disk: ssd}
    env: [{name: GOMEMLIMIT, value: 1GiB}]
  config:
    merge:
      max_payload: "<< 1MB >>"
      ping_interval: 2m
      server_tags: ["region:east", "<< $POD_NAME >>"]
`

// parseSpec decodes a YAML spec with exact numbers.
func parseSpec(text string) map[string]any {
	raw, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		panic(fmt.Sprintf("hostile: base spec: %v", err))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		panic(fmt.Sprintf("hostile: base spec: %v", err))
	}
	return m
}

// fieldPath is a path inside a spec: map keys and list indexes.
type fieldPath []any

// String is the fieldPath as the API server writes it: spec.a.b[0].c.
func (p fieldPath) String() string {
	var b strings.Builder
	b.WriteString("spec")
	for _, s := range p {
		switch k := s.(type) {
		case string:
			b.WriteString("." + k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}

// stringLeaves lists the paths of every string value under v, sorted.
func stringLeaves(v any, at fieldPath) []fieldPath {
	var out []fieldPath
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, stringLeaves(t[k], append(append(fieldPath{}, at...), k))...)
		}
	case []any:
		for i, sub := range t {
			out = append(out, stringLeaves(sub, append(append(fieldPath{}, at...), i))...)
		}
	case string:
		out = append(out, at)
	}
	return out
}

// with returns a deep copy of spec with value at p; missing maps are made.
func with(spec map[string]any, p fieldPath, value any) map[string]any {
	out := deepCopy(spec).(map[string]any)
	var cur any = out
	for i, step := range p {
		last := i == len(p)-1
		switch c := cur.(type) {
		case map[string]any:
			k := step.(string)
			if last {
				c[k] = value
				return out
			}
			if _, ok := c[k]; !ok {
				c[k] = map[string]any{}
			}
			cur = c[k]
		case []any:
			idx := step.(int)
			if last {
				c[idx] = value
				return out
			}
			cur = c[idx]
		default:
			panic(fmt.Sprintf("hostile: fieldPath %v crosses a %T", p, cur))
		}
	}
	return out
}

// spec builds a spec from fieldPath/value pairs over a base (nil: empty).
func spec(base map[string]any, pairs ...any) map[string]any {
	out := map[string]any{}
	if base != nil {
		out = deepCopy(base).(map[string]any)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		out = with(out, pairs[i].(fieldPath), pairs[i+1])
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, sub := range t {
			out[k] = deepCopy(sub)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, sub := range t {
			out[i] = deepCopy(sub)
		}
		return out
	default:
		return v
	}
}

// p is shorthand for a fieldPath.
func p(steps ...any) fieldPath { return fieldPath(steps) }

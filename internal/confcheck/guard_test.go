package confcheck

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nkeys"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// The guard's tests run on hand-made manifests shaped like the chart's
// output for NatsCluster team-a/demo, so each rule is shown on its own.

const labels = `{app: nats, nats_cluster: demo, app.kubernetes.io/instance: demo, app.kubernetes.io/name: nats, nats.io/managed-by: nats-operator}`

// authConf is nats.conf as the operator's encoder writes it for a cluster
// with client and route auth from the auth Secret.
const authConf = `port: 4222
http_port: 8222
server_name: $SERVER_NAME
lame_duck_duration: "30s"
authorization {
  include "auth/clients.conf"
}
cluster {
  name: "demo"
  port: 6222
  include "auth/routes.conf"
  authorization {
    include "auth/cluster.conf"
  }
}
`

// plainConf is the same cluster without auth, in the JSON form the
// chart's templates used to write.
const plainConf = `{
  "port": 4222,
  "http_port": 8222,
  "cluster": {"name": "demo", "port": 6222, "routes": ["nats://demo-0.demo-mgmt.team-a.svc:6222"]}
}
`

// plainWith is plainConf with more top-level keys (JSON).
func plainWith(keys string) string {
	return strings.Replace(plainConf, `"port": 4222,`, `"port": 4222, `+keys+`,`, 1)
}

// extraPorts are container ports after the three every server has.
func manifest(conf string, extraPorts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `---
# Source: nats-cluster/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: "demo-config"
  namespace: "team-a"
  labels: %s
data:
  nats.conf: %q
`, labels, conf)
	for _, svc := range []string{"demo", "demo-mgmt"} {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Service
metadata: {name: %s, namespace: team-a, labels: %s}
spec:
  selector: {app: nats, nats_cluster: demo}
  ports: [{name: x, port: 4222}]
`, svc, labels)
	}
	fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: demo, namespace: team-a, labels: %s}
spec:
  serviceName: demo-mgmt
  selector: {matchLabels: {app: nats, nats_cluster: demo}}
  template:
    metadata: {labels: {app: nats, nats_cluster: demo}}
    spec:
      containers:
      - name: reloader
        image: reloader
      - name: nats
        image: nats:2.15.2
        command: [/nats-server, -c, /etc/nats-config/nats.conf, -P, /var/run/nats/nats.pid]
        ports:
        - {name: client, containerPort: 4222}
        - {name: cluster, containerPort: 6222}
        - {name: monitoring, containerPort: 8222}
%s        env:
        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: SERVER_NAME, value: $(POD_NAME)}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: demo, namespace: team-a, labels: %s}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: nats, nats_cluster: demo}}
`, labels, strings.Join(extraPorts, ""), labels)
	return b.String()
}

func port(name string, n int) string {
	return fmt.Sprintf("        - {name: %s, containerPort: %d}\n", name, n)
}

// withPort adds a port to the NATS container of manifest m.
func withPort(m, name string, n int) string {
	const last = "        - {name: monitoring, containerPort: 8222}\n"
	return strings.Replace(m, last, last+port(name, n), 1)
}

func cluster(auth *natsv1alpha2.AuthConfig) *natsv1alpha2.NatsCluster {
	return &natsv1alpha2.NatsCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "team-a"},
		Spec:       natsv1alpha2.ClusterSpec{Auth: auth},
	}
}

var managedAuth = &natsv1alpha2.AuthConfig{ClientsAuthSecret: "demo-users", ClusterAuthSecret: "demo-routes"}

func TestGuardAcceptsWhatTheChartRenders(t *testing.T) {
	for _, tt := range []struct {
		name     string
		manifest string
		nc       *natsv1alpha2.NatsCluster
	}{
		{"auth managed, nats.conf form", manifest(authConf), cluster(managedAuth)},
		{"no auth, JSON form", manifest(plainConf), cluster(nil)},
		{"gateway, leafnodes and websocket listeners", manifest(strings.Replace(plainConf, `"port": 4222,`,
			`"port": 4222, "gateway": {"name": "g", "port": 7522}, "leafnodes": {"port": 7422}, "websocket": {"port": 443, "no_tls": true},`, 1),
			port("gateway", 7522), port("leafnodes", 7422), port("websocket", 443)), cluster(nil)},
		{"user's clientsAuthFile", manifest(strings.Replace(authConf, "auth/clients.conf", "users/auth.conf", 1)),
			cluster(&natsv1alpha2.AuthConfig{ClientsAuthFile: "users/auth.conf", ClusterAuthSecret: "r"})},
		{"advertise includes", manifest("include \"advertise/client_advertise.conf\"\n" + plainConf[1:len(plainConf)-2]), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nc := tt.nc
			if nc == nil {
				nc = cluster(nil)
				nc.Spec.Pod = &natsv1alpha2.PodPolicy{AdvertiseExternalIP: true}
			}
			if err := (Guard{}).Check(tt.manifest, nc); err != nil {
				t.Errorf("refused: %v", err)
			}
		})
	}
}

// refusal is one rule broken on purpose: the manifest, and the words the
// message must hold (what is wrong, where, what to change).
type refusal struct {
	name     string
	manifest string
	nc       *natsv1alpha2.NatsCluster
	want     []string
}

func checkRefusals(t *testing.T, g Guard, tests []refusal) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nc := tt.nc
			if nc == nil {
				nc = cluster(managedAuth)
			}
			err := g.Check(tt.manifest, nc)
			var refused *Refusal
			if !errors.As(err, &refused) {
				t.Fatalf("not refused: err = %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%v", w, err)
				}
			}
			t.Log(err)
		})
	}
}

const secretDoc = `---
apiVersion: v1
kind: Secret
metadata: {name: evil, namespace: team-a, labels: ` + labels + `}
stringData: {password: s3cr3t-value}
`

func TestGuardObjectRules(t *testing.T) {
	good := manifest(authConf)
	checkRefusals(t, Guard{}, []refusal{
		{"kind the chart never renders", good + secretDoc,
			nil, []string{`Secret v1 "team-a/evil"`, "holds only ConfigMaps", "correct that value"}},
		{"allowed kind, other apiVersion", strings.Replace(good, "apiVersion: policy/v1", "apiVersion: policy/v1beta1", 1),
			nil, []string{`PodDisruptionBudget policy/v1beta1 "team-a/demo"`, "PodDisruptionBudget policy/v1"}},
		{"cluster-scoped kind", good + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: evil, labels: " + labels + "}\n",
			nil, []string{`ClusterRoleBinding rbac.authorization.k8s.io/v1 "evil"`}},
		{"a List Helm would expand", good + "---\napiVersion: v1\nkind: List\nitems: []\n",
			nil, []string{`List v1`}},
		{"other namespace", strings.Replace(good, "kind: PodDisruptionBudget\nmetadata: {name: demo, namespace: team-a", "kind: PodDisruptionBudget\nmetadata: {name: demo, namespace: kube-system", 1),
			nil, []string{`PodDisruptionBudget "kube-system/demo": is in namespace "kube-system"`, `must stay in "team-a"`}},
		{"no namespace", strings.Replace(good, "metadata: {name: demo-mgmt, namespace: team-a,", "metadata: {name: demo-mgmt,", 1),
			nil, []string{`Service "demo-mgmt": has no namespace`}},
		{"name the chart never gives", strings.Replace(good, "name: demo-mgmt,", "name: other-app,", 1),
			nil, []string{`Service "team-a/other-app"`, `"demo" or "demo-mgmt"`}},
		{"missing instance label", strings.Replace(good, "kind: PodDisruptionBudget\nmetadata: {name: demo, namespace: team-a, labels: "+labels,
			"kind: PodDisruptionBudget\nmetadata: {name: demo, namespace: team-a, labels: {nats.io/managed-by: nats-operator}", 1),
			nil, []string{`PodDisruptionBudget "team-a/demo": lacks the release label app.kubernetes.io/instance=demo`}},
		{"missing managed-by label", strings.Replace(good, "metadata: {name: demo, namespace: team-a, labels: "+labels, "metadata: {name: demo, namespace: team-a, labels: {app.kubernetes.io/instance: demo, nats.io/managed-by: someone}", 1),
			nil, []string{"lacks the release label nats.io/managed-by=nats-operator"}},
		{"kind more often than the chart renders it", good + "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: demo, namespace: team-a, labels: " + labels + "}\n",
			nil, []string{"renders at most 1 PodDisruptionBudget", "rendered twice"}},
		{"no StatefulSet", good[:strings.Index(good, "---\napiVersion: apps/v1")],
			nil, []string{`no StatefulSet "demo"`}},
		{"object the API server refuses", strings.Replace(good, "ports: [{name: x, port: 4222}]", "ports: [{name: x, port: 70000}]", 1),
			nil, []string{`Service "demo" is invalid: [spec.ports[0].port: Invalid value: 70000`, "The API server would refuse these objects"}},
		{"not YAML", good + "---\n\tkind: [\n",
			nil, []string{"not valid YAML"}},
	})
}

func TestGuardListenerRules(t *testing.T) {
	checkRefusals(t, Guard{}, []refusal{
		{"client port moved", manifest(strings.Replace(authConf, "port: 4222", "port: 4333", 1)),
			nil, []string{"client connections on port 4333", `"client" port is 4222`, "spec.chartValues"}},
		{"client port left to the default while the container says otherwise",
			strings.Replace(manifest(strings.Replace(authConf, "port: 4222\n", "", 1)), "{name: client, containerPort: 4222}", "{name: client, containerPort: 4333}", 1),
			nil, []string{"client connections on port 4222", `"client" port is 4333`}},
		{"route listener moved", manifest(strings.Replace(authConf, "port: 6222", "port: 16222", 1)),
			nil, []string{"routes on port 16222", `"cluster" port is 6222`}},
		{"monitoring moved to https", manifest(strings.Replace(authConf, "http_port: 8222", "https_port: 8443", 1)),
			nil, []string{"monitoring on port 8443"}},
		{"MQTT listener", manifest(authConf + "mqtt {\n  port: 1883\n}\n"),
			nil, []string{"opens a MQTT listener (mqtt.port: 1883)", "declares no such port"}},
		{"profiling listener", manifest(authConf + "prof_port: 6060\n"),
			nil, []string{"opens a profiling listener (prof_port: 6060)"}},
		{"declared gateway port not listened on", manifest(authConf, port("gateway", 7522)),
			nil, []string{"gateways on port 0", `"gateway" port is 7522`}},
		{"gateway listener not declared", manifest(authConf + "gateway {\n  name: \"g\"\n  port: 7522\n}\n"),
			nil, []string{"opens a gateways listener (gateway.port: 7522)"}},
		{"keys repeated in another case", manifest(authConf + "PORT: 4222\n"),
			nil, []string{"sets port more than once with different letter case"}},
	})
}

func TestGuardIncludeRules(t *testing.T) {
	checkRefusals(t, Guard{}, []refusal{
		{"auth managed, include replaced", manifest(strings.Replace(authConf, `include "auth/clients.conf"`, "timeout: 2", 1)),
			nil, []string{`does not include "auth/clients.conf" in authorization {}`, "spec.auth.clientsAuthSecret or spec.auth.enableServiceAccounts"}},
		{"route auth include dropped", manifest(strings.Replace(authConf, `include "auth/cluster.conf"`, "", 1)),
			nil, []string{`does not include "auth/cluster.conf" in cluster.authorization {}`, "spec.auth.clusterAuthSecret"}},
		{"include moved to the top level", manifest("include \"auth/clients.conf\"\n" + strings.Replace(authConf, `include "auth/clients.conf"`, "", 1)),
			nil, []string{`includes "auth/clients.conf" in the top level, but it belongs in authorization {}`}},
		{"an include the operator does not write", manifest(authConf + "include \"extra/users.conf\"\n"),
			nil, []string{`includes "extra/users.conf", which the operator does not write`, `"auth/clients.conf", "auth/cluster.conf"`}},
		{"auth include without auth in the spec", manifest(authConf),
			cluster(nil), []string{`includes "auth/clients.conf", which the operator does not write for this NatsCluster (it writes no include files)`}},
		{"keys next to the operator's include", manifest(strings.Replace(authConf, `include "auth/clients.conf"`, "include \"auth/clients.conf\"\n  default_permissions {\n    publish: \">\"\n  }", 1)),
			nil, []string{`adds default_permissions to authorization {}, which holds only the include of "auth/clients.conf"`}},
		{"block replaced after the include", manifest(authConf + "authorization {\n  timeout: 3\n}\n"),
			nil, []string{`does not include "auth/clients.conf" in authorization {}`}},
		{"nats.conf includes itself", manifest(authConf + "include \"nats.conf\"\n"),
			nil, []string{`includes "nats.conf", which is nats.conf itself`}},
		{"include outside the config directory", manifest(authConf + "include \"../../etc/passwd\"\n"),
			nil, []string{"must stay inside /etc/nats-config"}},
	})
}

func TestGuardAuthDefinitions(t *testing.T) {
	noAuth := func(extra string) string { return manifest(plainWith(extra)) }
	checkRefusals(t, Guard{}, []refusal{
		{"users", noAuth(`"authorization": {"users": [{"user": "evil", "password": "s3cr3t-value"}]}`),
			cluster(nil), []string{"defines users (authorization.users or accounts.*.users) in its own text", "spec.auth"}},
		{"nkey users", noAuth(`"authorization": {"users": [{"nkey": "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4"}]}`),
			cluster(nil), []string{"defines nkey users"}},
		{"token", noAuth(`"authorization": {"token": "s3cr3t-value"}`),
			cluster(nil), []string{"defines a token (authorization.token)"}},
		{"user and password", noAuth(`"authorization": {"user": "evil", "password": "s3cr3t-value"}`),
			cluster(nil), []string{"defines a user and password"}},
		{"accounts", noAuth(`"accounts": {"A": {"users": [{"user": "evil", "password": "s3cr3t-value"}]}}`),
			cluster(nil), []string{"defines accounts", "defines users"}},
		{"no_auth_user", noAuth(`"accounts": {"A": {"users": [{"user": "evil", "password": "s3cr3t-value"}]}}, "no_auth_user": "evil"`),
			cluster(nil), []string{"defines no_auth_user"}},
		{"auth callout", noAuth(`"authorization": {"users": [{"user": "a", "password": "s3cr3t-value"}], "auth_callout": {"issuer": "ABJHLOVMPA4CI6R5KLNGOB4GSLNIY7IOUPAJC4YFNDLQVIOBYQGUWVLA", "auth_users": ["a"]}}`),
			cluster(nil), []string{"defines auth_callout"}},
		{"route credentials", manifest(strings.Replace(authConf, `include "auth/cluster.conf"`, "include \"auth/cluster.conf\"\n    user: \"r\"\n    password: \"s3cr3t-value\"", 1)),
			nil, []string{"defines route credentials"}},
		{"leafnode users", withPort(noAuth(`"leafnodes": {"port": 7422, "authorization": {"user": "l", "password": "s3cr3t-value"}}`), "leafnodes", 7422),
			cluster(nil), []string{"defines leafnode users"}},
		{"websocket no_auth_user", withPort(noAuth(`"websocket": {"port": 443, "no_tls": true, "no_auth_user": "x"}`), "websocket", 443),
			cluster(nil), []string{"defines websocket users"}},
		{"trusted keys", noAuth(`"trusted": ["` + operatorKey(t) + `"]`),
			cluster(nil), []string{"sets trusted keys"}},
		{"resolver without operatorConfig", noAuth(`"resolver": "MEMORY"`),
			cluster(nil), []string{"sets an account resolver, but spec.operatorConfig.resolver is empty"}},
	})
}

func operatorKey(t *testing.T) string {
	kp, err := nkeys.CreateOperator()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return pub
}

func TestGuardTrust(t *testing.T) {
	opConf := func(extra string) string {
		return manifest(plainWith(`"operator": "/etc/nats-operator/op.jwt"` + extra))
	}
	withOperator := cluster(nil)
	withOperator.Spec.OperatorConfig = &natsv1alpha2.OperatorConfig{Secret: "op", Resolver: "URL(http://resolver:9090/jwt/v1/accounts/)"}
	resolver := `, "resolver": "URL(http://resolver:9090/jwt/v1/accounts/)"`
	if err := (Guard{}).Check(opConf(resolver), withOperator); err != nil {
		t.Fatalf("operator mode as spec.operatorConfig asks refused: %v", err)
	}
	noResolver := cluster(nil)
	noResolver.Spec.OperatorConfig = &natsv1alpha2.OperatorConfig{Secret: "op"}
	if err := (Guard{}).Check(opConf(""), noResolver); err != nil {
		t.Fatalf("operator mode without a resolver refused: %v", err)
	}
	checkRefusals(t, Guard{}, []refusal{
		{"operator JWT without operatorConfig", opConf(""), cluster(nil),
			[]string{"trusts an operator JWT (operator), but spec.operatorConfig is not set"}},
		{"other resolver", opConf(`, "resolver": "URL(http://evil:9090/jwt/v1/accounts/)"`), withOperator,
			[]string{"resolver is not exactly spec.operatorConfig.resolver"}},
		{"second resolver under an alias", opConf(resolver + `, "account_resolver": "MEMORY"`), withOperator,
			[]string{"resolver is not exactly spec.operatorConfig.resolver"}},
		{"system account not asked for", opConf(resolver + `, "system_account": "AAAXAUVSGK7TCRHFIRAS4SYXVJ76EWDMNXZM6ARFGXP7BASNDGLKU7A5"`), withOperator,
			[]string{"system_account is not spec.operatorConfig.systemAccount"}},
		{"resolver_preload", opConf(resolver + `, "resolver_preload": {}`), withOperator,
			[]string{"sets resolver_preload"}},
	})
}

func TestRefusalsNeverQuoteSecrets(t *testing.T) {
	m := manifest(plainWith(`"authorization": {"users": [{"user": "evil", "password": "s3cr3t-value"}], "token": "s3cr3t-value"}`)) + secretDoc
	err := (Guard{}).Check(m, cluster(nil))
	if err == nil {
		t.Fatal("not refused")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("message quotes a secret value: %v", err)
	}
}

func TestRefusalMessageIsBounded(t *testing.T) {
	m := manifest(authConf)
	for i := range 50 {
		m += fmt.Sprintf("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra-%d, namespace: team-a, labels: %s}\n", i, labels)
	}
	err := (Guard{}).Check(m, cluster(managedAuth))
	// 50 misnamed ConfigMaps and one count problem: 51, of which 10 shown.
	if err == nil || !strings.Contains(err.Error(), "; and 41 more") {
		t.Errorf("want the first %d problems and a count of the rest, got: %v", maxProblems, err)
	}
}

func TestAllowOwnedConfigOverridesRelaxesOnlyNatsConf(t *testing.T) {
	overrides := Guard{AllowOwnedConfigOverrides: true}
	users := manifest(strings.Replace(authConf, `include "auth/clients.conf"`, `users: [{user: "own", password: "pw"}]`, 1) + "mqtt {\n  port: 1883\n}\n")
	if err := overrides.Check(users, cluster(managedAuth)); err != nil {
		t.Errorf("nats.conf overrides refused with AllowOwnedConfigOverrides: %v", err)
	}
	if err := (Guard{}).Check(users, cluster(managedAuth)); err == nil {
		t.Error("the same overrides accepted without AllowOwnedConfigOverrides")
	}
	checkRefusals(t, overrides, []refusal{
		{"object rules still apply", users + secretDoc, nil, []string{`Secret v1 "team-a/evil"`}},
		{"the server's check still applies", manifest(authConf + "bogus: 1\n"), nil, []string{`unknown field "bogus"`}},
	})
}

// TestOldCheckAcceptedWhatTheGuardRefuses shows the guard is what stops
// these: the nats.conf check alone (ValidateManifest, the post-renderer
// before the guard) let each one through.
func TestOldCheckAcceptedWhatTheGuardRefuses(t *testing.T) {
	good := manifest(plainConf)
	for _, tt := range []struct{ name, manifest string }{
		{"an injected extra object", good + secretDoc},
		{"an object in another namespace", strings.Replace(good, "name: demo-mgmt, namespace: team-a", "name: demo-mgmt, namespace: kube-system", 1)},
		{"users in nats.conf", manifest(plainWith(`"authorization": {"users": [{"user": "evil", "password": "evilpw"}]}`))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateManifest(tt.manifest); err != nil {
				t.Fatalf("the nats.conf check alone refuses it already: %v", err)
			}
			if err := (Guard{}).Check(tt.manifest, cluster(nil)); err == nil {
				t.Error("the guard accepts it")
			}
		})
	}
}

package crdschema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// boundsCase is one resource the API server must refuse (wantErr is a part
// of the message that says what to change) or accept (wantErr empty). The
// same table runs offline through crdschema and against a real API server,
// so render and the cluster agree on every case.
type boundsCase struct {
	name    string
	obj     map[string]any
	wantErr string
}

const (
	tooBig         = "should be less than or equal to"
	badPattern     = "should match"
	tooLong        = "may not be more than"
	tooMany        = "must have at most"
	nameRule       = "metadata.name must be at most 52 characters of lowercase letters, digits and '-'"
	labelKeyRule   = "label keys must be qualified names"
	labelValueRule = "label values must be at most 63 characters"
	annotationRule = "annotation keys must be qualified names"
	sizeRule       = "must be a whole number of bytes from 1 to 2^53-1"
)

func cluster(name string, spec map[string]any) map[string]any {
	if spec == nil {
		spec = map[string]any{}
	}
	return map[string]any{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
		"metadata": map[string]any{"name": name},
		"spec":     spec,
	}
}

func role(name string, spec map[string]any) map[string]any {
	if spec == nil {
		spec = map[string]any{}
	}
	return map[string]any{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsServiceRole",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"nats_cluster": "nats"}},
		"spec":     spec,
	}
}

// withStatus adds a status, which the API server drops on create: the name
// rules still apply.
func withStatus(obj map[string]any) map[string]any {
	obj["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "True"}}}
	return obj
}

func withPod(pod map[string]any) map[string]any {
	return cluster("nats", map[string]any{"pod": pod})
}

func repeatMap(n int, value string) map[string]any {
	m := map[string]any{}
	for i := range n {
		m["k"+strings.Repeat("x", i%10)+string(rune('a'+i%26))+strings.Repeat("y", i/26)] = value
	}
	return m
}

func repeatList(n int, item any) []any {
	l := make([]any, n)
	for i := range l {
		l[i] = item
	}
	return l
}

// boundsCases are the findings of issue 8 that the CRD itself must stop,
// and their valid neighbors, which must keep working.
func boundsCases(t *testing.T) []boundsCase {
	t.Helper()
	cases := []boundsCase{
		// Runaway sizes: int32 is not enforced by the API server by itself.
		{"size 2147483648 wraps int32", cluster("nats", map[string]any{"size": int64(2147483648)}), tooBig + " 100"},
		{"size 2147483647 kills the operator", cluster("nats", map[string]any{"size": 2147483647}), tooBig + " 100"},
		{"size 101", cluster("nats", map[string]any{"size": 101}), tooBig + " 100"},
		{"size -1", cluster("nats", map[string]any{"size": -1}), "should be greater than or equal to 0"},
		{"size 100", cluster("nats", map[string]any{"size": 100}), ""},
		{"size 0", cluster("nats", map[string]any{"size": 0}), ""},
		// Names: Helm release (53), Service (DNS-1035), revision label (63).
		{"name 1abc makes an invalid Service name", cluster("1abc", nil), nameRule},
		{"name of 53 characters", cluster("a"+strings.Repeat("b", 52), nil), nameRule},
		{"name of 63 characters", cluster(strings.Repeat("a", 63), nil), nameRule},
		{"name with a dot", cluster("nats.prod", nil), nameRule},
		{"name of 52 characters", cluster("a"+strings.Repeat("b", 51), nil), ""},
		{"name a-1", cluster("a-1", nil), ""},
		{"name 1abc with a status", withStatus(cluster("1abc", nil)), nameRule},
		// Integers.
		{"lame duck of 3601s", cluster("nats", map[string]any{"lameDuckDurationSeconds": 3601}), tooBig + " 3600"},
		{"websocket port 0", cluster("nats", map[string]any{"websocketConfig": map[string]any{"port": 0}}), "should be greater than or equal to 1"},
		{"websocket port 65536", cluster("nats", map[string]any{"websocketConfig": map[string]any{"port": 65536}}), tooBig + " 65535"},
		{"gateway port 65536", cluster("nats", map[string]any{"gatewayConfig": map[string]any{"name": "a", "hostPort": 65536}}), tooBig + " 65535"},
		{"max payload beyond int32", cluster("nats", map[string]any{"natsConfig": map[string]any{"maxPayload": int64(2147483648)}}), tooBig + " 2147483647"},
		{"max pending beyond 1 TiB", cluster("nats", map[string]any{"natsConfig": map[string]any{"maxPending": int64(1) << 41}}), tooBig},
		{"client TLS timeout of a day", cluster("nats", map[string]any{"tls": map[string]any{"clientsTLSTimeout": 86400}}), tooBig + " 3600"},
		{"token lifetime beyond 2^32s", cluster("nats", map[string]any{"auth": map[string]any{"serviceAccountTokenExpirationSeconds": int64(1)<<32 + 1}}), tooBig},
		{"auth timeout of a day", cluster("nats", map[string]any{"auth": map[string]any{"clientsAuthTimeout": 86400}}), tooBig + " 3600"},
		// Sizes of JetStream.
		{"memory store 1e30", cluster("nats", map[string]any{"jetstream": map[string]any{"memory": map[string]any{"maxSize": "1e30"}}}), sizeRule},
		{"memory store 0", cluster("nats", map[string]any{"jetstream": map[string]any{"memory": map[string]any{"maxSize": "0"}}}), sizeRule},
		{"memory store in exabytes", cluster("nats", map[string]any{"jetstream": map[string]any{"memory": map[string]any{"maxSize": "9Ei"}}}), sizeRule},
		{"memory store of 2^53 bytes", cluster("nats", map[string]any{"jetstream": map[string]any{"memory": map[string]any{"maxSize": int64(1) << 53}}}), sizeRule},
		{"file store 0Gi", cluster("nats", map[string]any{"jetstream": map[string]any{"file": map[string]any{"size": "0Gi"}}}), sizeRule},
		{"memory store 1Gi", cluster("nats", map[string]any{"jetstream": map[string]any{"memory": map[string]any{"maxSize": "1Gi"}}}), ""},
		{"memory store in bytes", cluster("nats", map[string]any{"jetstream": map[string]any{"memory": map[string]any{"maxSize": 1073741824}}}), ""},
		{"file store 20480Mi", cluster("nats", map[string]any{"jetstream": map[string]any{"file": map[string]any{"size": "20480Mi"}}}), ""},
		{"file store 1.5Ti", cluster("nats", map[string]any{"jetstream": map[string]any{"file": map[string]any{"size": "1.5Ti"}}}), ""},
		// Strings that reached nats.conf or the manifest as text.
		{"gateway name carrying nats.conf", cluster("nats", map[string]any{"gatewayConfig": map[string]any{"name": "<< x }, authorization { users: [ {user: evil, password: evilpw} ] }, gateway { name: x >>"}}), badPattern},
		{"handshake timeout carrying nats.conf", cluster("nats", map[string]any{"websocketConfig": map[string]any{"port": 8080, "handshakeTimeout": "<< 2s } authorization { >>"}}), badPattern},
		{"leafnode URL with a brace", cluster("nats", map[string]any{"leafnodeConfig": map[string]any{"remotes": []any{map[string]any{"url": "nats://hub:7422 } x {"}}}}), badPattern},
		{"clients auth file outside the config directory", cluster("nats", map[string]any{"auth": map[string]any{"clientsAuthFile": "../../etc/passwd"}}), "must not contain a '..' path segment"},
		{"clients auth file with a variable", cluster("nats", map[string]any{"auth": map[string]any{"clientsAuthFile": "$VAR"}}), badPattern},
		{"storage class carrying a manifest", cluster("nats", map[string]any{"jetstream": map[string]any{"file": map[string]any{"storageClassName": "fast\n---\nkind: Secret"}}}), badPattern},
		{"server image carrying container fields", cluster("nats", map[string]any{"serverImage": "nats\nworkingDir: /x"}), badPattern},
		{"server image of 513 characters", cluster("nats", map[string]any{"serverImage": strings.Repeat("n", 513)}), tooLong},
		{"TLS Secret name not a DNS subdomain", cluster("nats", map[string]any{"tls": map[string]any{"serverSecret": "Bad_Name"}}), badPattern},
		{"TLS file name with a quote", cluster("nats", map[string]any{"tls": map[string]any{"serverSecret": "s", "serverSecretCAFileName": `ca.pem"}`}}), badPattern},
		{"resolver with a brace", cluster("nats", map[string]any{"operatorConfig": map[string]any{"secret": "op", "resolver": "URL(http://x/) }"}}), badPattern},
		{"extra route to a cluster that cannot exist", cluster("nats", map[string]any{"extraRoutes": []any{map[string]any{"cluster": "1abc"}}}), badPattern},
		{"pull policy Sometimes", withPod(map[string]any{"reloaderImagePullPolicy": "Sometimes"}), "Unsupported value"},
		{"image tag with a space", withPod(map[string]any{"metricsImageTag": "1 2"}), badPattern},
		{"cipher suite with a brace", cluster("nats", map[string]any{"tls": map[string]any{"cipherSuites": []any{"TLS_X }"}}}), badPattern},
		{"usual strings", cluster("nats", map[string]any{
			"serverImage":    "registry.example.com:5000/team/nats",
			"gatewayConfig":  map[string]any{"name": "us-east_1.a", "gateways": []any{map[string]any{"name": "west", "url": "nats://user:pa$$@west.example:7522"}}},
			"operatorConfig": map[string]any{"secret": "op.jwt", "resolver": "URL(http://nats-account-server:9090/jwt/v1/accounts/)", "systemAccount": "ADVKIHRQRCCXUQI6ZIMKAXQVVBU6TVDLIAU7K7R6ZO6CPKTR2NA6FOGU"},
			"auth":           map[string]any{"clientsAuthFile": "auth/clients.conf"},
			"tls":            map[string]any{"serverSecret": "nats-tls", "serverSecretCAFileName": "/etc/ssl/certs/ca-bundle.crt"},
		}), ""},
		// Maps and lists: keys and values as the API server checks labels.
		{"label key with a space", withPod(map[string]any{"labels": map[string]any{"bad key": "x"}}), labelKeyRule},
		{"label key with two slashes", withPod(map[string]any{"labels": map[string]any{"a/b/c": "x"}}), labelKeyRule},
		{"label key prefix of 254 characters", withPod(map[string]any{"labels": map[string]any{strings.Repeat("a", 254) + "/x": "x"}}), labelKeyRule},
		{"label value of 64 characters", withPod(map[string]any{"labels": map[string]any{"k": strings.Repeat("v", 64)}}), labelValueRule},
		{"node selector key not qualified", withPod(map[string]any{"nodeSelector": map[string]any{"-x": "y"}}), labelKeyRule},
		{"node selector value of 64 characters", withPod(map[string]any{"nodeSelector": map[string]any{"disk": strings.Repeat("v", 64)}}), labelValueRule},
		{"service label key not qualified", cluster("nats", map[string]any{"servicePolicy": map[string]any{"labels": map[string]any{"x/": "y"}}}), labelKeyRule},
		{"65 pod labels", withPod(map[string]any{"labels": repeatMap(65, "v")}), tooMany + " 64"},
		{"annotation key not qualified", withPod(map[string]any{"annotations": map[string]any{"a b": "x"}}), annotationRule},
		{"annotation value of 4097 characters", withPod(map[string]any{"annotations": map[string]any{"a": strings.Repeat("v", 4097)}}), "annotation values must be at most 4096 characters"},
		{"65 extra routes", cluster("nats", map[string]any{"extraRoutes": repeatList(65, map[string]any{"cluster": "other"})}), tooMany + " 64"},
		{"129 environment variables", withPod(map[string]any{"natsEnv": repeatList(129, map[string]any{"name": "A", "value": "b"})}), tooMany + " 128"},
		{"17 resource limits", withPod(map[string]any{"resources": map[string]any{"limits": repeatMap(17, "1")}}), "resources may name at most 16 limits"},
		{"usual labels, annotations and node selector", withPod(map[string]any{
			"labels":       map[string]any{"app.kubernetes.io/part-of": "shop", "tier": "", "Team_1": "a.b-c"},
			"annotations":  map[string]any{"Example.COM/Owner": "someone", "vault.hashicorp.com/agent-inject-template-x": strings.Repeat("{{ x }}", 500)},
			"nodeSelector": map[string]any{"kubernetes.io/os": "linux"},
			"resources":    map[string]any{"limits": map[string]any{"cpu": "2", "memory": "4Gi"}},
		}), ""},
		// NatsServiceRole: the name is a label value of its token Secrets.
		{"role name of 64 characters", role(strings.Repeat("r", 64), nil), "metadata.name must be at most 63 characters"},
		{"role name of 63 characters with dots", role("r."+strings.Repeat("r", 61), nil), ""},
		{"role subject with a space", role("r", map[string]any{"permissions": map[string]any{"publish": []any{"a b"}}}), badPattern},
		{"role queue subscription", role("r", map[string]any{"permissions": map[string]any{"subscribe": []any{"orders.* workers"}, "deny": map[string]any{"publish": []any{">"}}}}), ""},
		{"257 role subjects", role("r", map[string]any{"permissions": map[string]any{"publish": repeatList(257, "a")}}), tooMany + " 256"},
	}
	for _, f := range sampleFiles(t) {
		cases = append(cases, boundsCase{name: "sample " + filepath.Base(f), obj: readObject(t, f)})
	}
	return cases
}

// sampleFiles are the manifests users copy: every one must stay valid.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repofs.Root(), "config", "samples", "nats_*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	return append(files, filepath.Join(repofs.Root(), "internal", "render", "testdata", "everything.yaml"))
}

func readObject(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		t.Fatal(err)
	}
	if md, ok := obj["metadata"].(map[string]any); ok {
		delete(md, "namespace") // each test picks its own
	}
	return obj
}

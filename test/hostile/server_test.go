package hostile

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/conf"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// renderRelease renders a spec with the product's chart, offline, into
// what CheckServer looks at.
func renderRelease(t *testing.T, name string, s map[string]any) Release {
	t.Helper()
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	body, err := Body(name, "prod", s)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Fatal(err)
	}
	manifest, err := r.Render(context.Background(), &unstructured.Unstructured{Object: obj})
	if err != nil {
		t.Fatal(err)
	}
	rel := Release{Name: name, Namespace: "prod"}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		switch head.Kind {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
				t.Fatal(err)
			}
			rel.NatsConf = cm.Data["nats.conf"]
		case "StatefulSet":
			rel.StatefulSet = &appsv1.StatefulSet{}
			if err := yaml.Unmarshal([]byte(doc), rel.StatefulSet); err != nil {
				t.Fatal(err)
			}
		}
	}
	if rel.NatsConf == "" || rel.StatefulSet == nil {
		t.Fatalf("the render has no nats.conf or StatefulSet:\n%s", manifest)
	}
	return rel
}

// TestCheckServerPassesTheChart: what the chart renders for valid specs,
// every feature on, passes the check; otherwise the check is wrong.
func TestCheckServerPassesTheChart(t *testing.T) {
	for name, base := range map[string]string{"full": fullBase, "files": filesBase, "values": chartValuesBase, "plain": "size: 3"} {
		rel := renderRelease(t, "nats", parseSpec(base))
		s := parseSpec(base)
		if auth, ok := s["auth"].(map[string]any); ok {
			rel.ClientsAuthFile, _ = auth["clientsAuthFile"].(string)
		}
		_, rel.OperatorJWT = s["operatorConfig"]
		if problems := CheckServer(rel); len(problems) > 0 {
			t.Errorf("%s: the chart's own render fails the check: %v\n%s", name, problems, rel.NatsConf)
		}
	}
}

// TestCheckServerFindsWhatTheOperatorDoesNotOwn plants each violation the
// corpus looks for in a good release and expects the check to name it.
func TestCheckServerFindsWhatTheOperatorDoesNotOwn(t *testing.T) {
	good := renderRelease(t, "nats", parseSpec("size: 3\nauth: {clientsAuthSecret: users}"))
	for name, tt := range map[string]struct {
		change func(r *Release)
		want   string
	}{
		"users in nats.conf": {func(r *Release) {
			r.NatsConf += "\nauthorization { users: [ {user: evil, password: evilpw} ] }\n"
		}, "users [evil]"},
		"token through a variable": {func(r *Release) {
			r.NatsConf = strings.Replace(r.NatsConf, "include", "token: $EVIL\ninclude", 1)
			c := natsContainerOf(r.StatefulSet)
			c.Env = append(c.Env, corev1.EnvVar{Name: "EVIL", Value: "evil"})
		}, "client token"},
		"accounts": {func(r *Release) {
			r.NatsConf += "\naccounts { EVIL: { users: [ {user: evil, password: x} ] } }\n"
		}, "account EVIL"},
		"no_auth_user in websocket": {func(r *Release) {
			r.NatsConf += "\nwebsocket { port: 8443, no_tls: true, no_auth_user: evil }\n"
		}, "websocket users"},
		"profiling listener": {func(r *Release) { r.NatsConf += "\nprof_port: 6060\n" }, "profiling listener on port 6060"},
		"moved client port":  {func(r *Release) { r.NatsConf += "\nport: 1\n" }, "client listener on port 1"},
		"foreign include":    {func(r *Release) { r.NatsConf += "\ninclude \"/etc/passwd\"\n" }, "outside /etc/nats-config"},
		"sibling include":    {func(r *Release) { r.NatsConf += "\ninclude \"other.conf\"\n" }, "neither the operator's"},
		"trusted keys":       {func(r *Release) { r.NatsConf += "\ntrusted_keys: [\"OX\"]\n" }, "sets trusted_keys"},
		"user flag": {func(r *Release) {
			c := natsContainerOf(r.StatefulSet)
			c.Args = []string{"--user", "evil", "--pass", "evilpw"}
		}, `flag "--user"`},
		"second config flag": {func(r *Release) {
			c := natsContainerOf(r.StatefulSet)
			c.Args = []string{"-c", "/tmp/evil.conf"}
		}, "passes -c 2 times"},
		"mount over nats.conf": {func(r *Release) {
			c := natsContainerOf(r.StatefulSet)
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "evil", MountPath: "/etc/nats-config/nats.conf", SubPath: "nats.conf"})
		}, `mounts volume "evil"`},
		"mount over the auth dir with a trailing slash": {func(r *Release) {
			c := natsContainerOf(r.StatefulSet)
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "evil", MountPath: "/etc/nats-config/auth/"})
		}, `mounts volume "evil"`},
		"extra container port": {func(r *Release) {
			c := natsContainerOf(r.StatefulSet)
			c.Ports = append(c.Ports, corev1.ContainerPort{Name: "evil", ContainerPort: 9999})
		}, "declares port 9999"},
		"no nats container": {func(r *Release) {
			r.StatefulSet.Spec.Template.Spec.Containers[0].Name = "other"
		}, "no container"},
		"variable from the environment parsed as config": {func(r *Release) {
			r.NatsConf += "\nmax_payload: $BIG\n"
			c := natsContainerOf(r.StatefulSet)
			c.Env = append(c.Env, corev1.EnvVar{Name: "BIG", Value: "{users: [{user: evil}]}"})
		}, "refuses the deployed nats.conf"},
		"undefined variable": {func(r *Release) {
			r.NatsConf += "\nmax_payload: $HOME\n"
		}, "does not parse"},
	} {
		t.Run(name, func(t *testing.T) {
			rel := good
			rel.StatefulSet = good.StatefulSet.DeepCopy()
			tt.change(&rel)
			problems := CheckServer(rel)
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Errorf("problems %q do not name %q", problems, tt.want)
			}
		})
	}
	if problems := CheckServer(good); len(problems) > 0 {
		t.Errorf("the unchanged release has problems: %v", problems)
	}
}

// TestWriteConfRoundTrips: the check writes parsed configs back as text;
// the server must read back exactly what it parsed.
func TestWriteConfRoundTrips(t *testing.T) {
	in := map[string]any{
		"tags": []any{"x\x00y", "<a & b>", "$NOT_A_VAR", "include x", `q"uote\`, "ネイツ 🚀", "tab\tnew\nline\r", "\x7f"},
		"n":    int64(-5), "f": 1.5, "b": true, "nested": map[string]any{"key with space": []any{}},
	}
	var b strings.Builder
	if err := writeConf(&b, in); err != nil {
		t.Fatal(err)
	}
	out, err := conf.Parse(b.String())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the config:\n in: %#v\nout: %#v\ntext: %s", in, out, b.String())
	}
}

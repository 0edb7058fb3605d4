package values

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestTenantCannotRedefineWhatTheNATSContainerReads: variables nats.conf
// reads (nats-server parses their values as configuration text), mounts
// over what the operator renders and flags that override nats.conf are
// refused; what nats-operator users set (a plain SERVER_NAME, their clients
// file's directory, logging flags) is kept.
func TestTenantCannotRedefineWhatTheNATSContainerReads(t *testing.T) {
	fieldRef := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	envCases := []struct {
		env corev1.EnvVar
		ok  bool
	}{
		{corev1.EnvVar{Name: "GOMEMLIMIT", Value: "900MiB"}, true},
		{corev1.EnvVar{Name: "SERVER_NAME", ValueFrom: fieldRef("metadata.name")}, true},
		{corev1.EnvVar{Name: "SERVER_NAME", Value: "$(POD_NAME).$(POD_NAMESPACE)"}, true},
		{corev1.EnvVar{Name: "SERVER_NAME", Value: "edge-$(POD_NAME)"}, true},
		{corev1.EnvVar{Name: "SERVER_NAME", Value: "x }\nauthorization { token: evil }\nx { y: z"}, false},
		{corev1.EnvVar{Name: "SERVER_NAME", Value: "$(EVIL)"}, false},
		{corev1.EnvVar{Name: "SERVER_NAME", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{Key: "k"}}}, false},
		{corev1.EnvVar{Name: "POD_NAME", Value: "x"}, false},
		{corev1.EnvVar{Name: "POD_NAME", ValueFrom: fieldRef("metadata.name")}, false},
		{corev1.EnvVar{Name: "POD_NAMESPACE", Value: "x"}, false},
	}
	for _, tc := range envCases {
		if err := CheckTenantEnv(tc.env); (err == nil) != tc.ok {
			t.Errorf("env %s=%q: err %v, want ok=%v", tc.env.Name, tc.env.Value, err, tc.ok)
		}
	}
	mountCases := []struct {
		path      string
		jetstream bool
		ok        bool
	}{
		{"/etc/ca", false, true},
		{"/etc/nats-config/authconfig", false, true},
		{"/etc/nats-config/authconfig/", false, true},
		{"/etc/nats-config", false, false},
		{"/etc/nats-config/", false, false},
		{"/etc/nats-config/./", false, false},
		{"/etc", false, false},
		{"/", false, false},
		{"/etc/nats-config/nats.conf", false, false},
		{"/etc/nats-config/auth", false, false},
		{"/etc/nats-config/auth/clients.conf", false, false},
		{"/etc/nats-config/advertise/x", false, false},
		{"/etc/nats-operator", false, false},
		{"/var/run/nats", false, false},
		{"/var/run", false, false},
		{"/data", false, true},
		{"/data", true, false},
		{"/data/jetstream", true, false},
	}
	for _, tc := range mountCases {
		err := MountRules{JetStreamFile: tc.jetstream}.CheckTenantMount(tc.path)
		if (err == nil) != tc.ok {
			t.Errorf("mount %q (JetStream %v): err %v, want ok=%v", tc.path, tc.jetstream, err, tc.ok)
		}
	}
	argCases := []struct {
		args []string
		ok   bool
	}{
		{nil, true},
		{[]string{"-DV"}, true},
		{[]string{"--debug", "--trace"}, true},
		{[]string{"--auth", "evil"}, false},
		{[]string{"-m", "2"}, false},
		{[]string{"--profile", "6060"}, false},
		{[]string{"--cluster", "nats://0.0.0.0:1"}, false},
		{[]string{"-c", "/tmp/evil.conf"}, false},
		{[]string{"evil"}, false},
	}
	for _, tc := range argCases {
		if err := CheckTenantArgs(tc.args); (err == nil) != tc.ok {
			t.Errorf("args %q: err %v, want ok=%v", tc.args, err, tc.ok)
		}
	}
}

// TestNATSContainerRulesNameTheField: the translator refuses the tenant's
// env, mounts and args wherever they come from, naming the spec field.
func TestNATSContainerRulesNameTheField(t *testing.T) {
	v := &ChartValues{}
	v.Pod.Env = []corev1.EnvVar{{Name: "POD_NAME", Value: "x"}}
	v.Pod.VolumeMounts = []corev1.VolumeMount{{Name: "evil", MountPath: "/etc/nats-config/"}}
	v.Pod.Template = map[string]any{"spec": map[string]any{"containers": []any{
		map[string]any{"name": "side", "image": "busybox", "args": []any{"--auth", "evil"},
			"ports": []any{map[string]any{"name": "client", "containerPort": int64(4222)}, map[string]any{"name": "evil", "containerPort": int64(9999)}}},
	}}}
	err := v.validateNatsContainer()
	if err == nil {
		t.Fatal("accepted")
	}
	if strings.Contains(err.Error(), `"client"`) {
		t.Errorf("the chart's own port name refused: %v", err)
	}
	for _, want := range []string{"spec.pod.natsEnv", "spec.pod.volumeMounts", "spec.template.spec.containers[0]", "--auth", `ports[1] "evil"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
}

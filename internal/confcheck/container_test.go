package confcheck

import (
	"strings"
	"testing"
)

// TestGuardRefusesWhatOverridesNatsConfFromTheContainer: whatever values
// reached the templates, the NATS container Helm is about to apply may not
// redefine a variable nats.conf reads, mount over what the operator renders
// or pass nats-server flags that override nats.conf.
func TestGuardRefusesWhatOverridesNatsConfFromTheContainer(t *testing.T) {
	const env = "        - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
	const command = "        command: [/nats-server, -c, /etc/nats-config/nats.conf, -P, /var/run/nats/nats.pid]\n"
	good := strings.Replace(manifest(plainConf), "      containers:\n", "      volumes: [{name: config, configMap: {name: demo-config}}]\n      containers:\n", 1)
	for _, tc := range []struct {
		name, manifest, want string
	}{
		{"a variable nats.conf reads, shadowed", strings.Replace(good, env, "        - {name: POD_NAME, value: 'x }'}\n"+env, 1), "POD_NAME"},
		{"SERVER_NAME as configuration text", strings.Replace(good, "{name: SERVER_NAME, value: $(POD_NAME)}", "{name: SERVER_NAME, value: 'a } b'}", 1), "SERVER_NAME"},
		{"a mount over the config directory", strings.Replace(good, command, command+"        volumeMounts: [{name: evil, mountPath: /etc/nats-config/}]\n", 1), "/etc/nats-config"},
		{"the config volume elsewhere", strings.Replace(good, command, command+"        volumeMounts: [{name: config, mountPath: /tmp}]\n", 1) +
			"", `volume "config" at "/tmp"`},
		{"a flag that overrides nats.conf", strings.Replace(good, command, command+"        args: [--auth, evil]\n", 1), "--auth"},
		{"another config file", strings.Replace(good, "-c, /etc/nats-config/nats.conf", "-c, /tmp/evil.conf", 1), "command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := (Guard{}).Check(tc.manifest, cluster(nil))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("want a refusal naming %q, got %v", tc.want, err)
			}
		})
	}
	logging := strings.Replace(good, command, command+"        args: [-DV]\n", 1)
	if err := (Guard{}).Check(logging, cluster(nil)); err != nil {
		t.Errorf("logging flags refused: %v", err)
	}
}

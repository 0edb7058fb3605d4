package values

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// What the operator owns in the NATS container, beyond nats.conf itself:
// the variables nats.conf and the command line refer to, the directories it
// mounts, and the command line. nats-server parses the value of a variable
// it resolves as configuration text, and a flag or a mount overrides
// nats.conf, so a tenant who could set any of them could rewrite what the
// operator renders. The translator checks what the NatsCluster asks for
// (naming the field) and the post-render guard checks what Helm is about to
// apply, with the same rules.

// Environment variables the chart defines in the NATS container.
const (
	EnvPodName      = "POD_NAME"
	EnvPodNamespace = "POD_NAMESPACE"
)

// reservedEnv are the variables of the NATS container the operator defines.
var reservedEnv = []string{EnvPodName, EnvPodNamespace, EnvServerName}

// CheckTenantEnv refuses a variable the tenant defines in the NATS
// container under a name the operator defines: nats.conf and the command
// line read those, and the tenant's definition would come first.
// SERVER_NAME may still be set, as nats-operator's useServerName asked
// users to, to a plain name.
func CheckTenantEnv(e corev1.EnvVar) error {
	if !IsReservedEnv(e.Name) {
		return nil
	}
	if e.Name == EnvServerName {
		if isPlainServerName(e) {
			return nil
		}
		return fmt.Errorf("%s: nats-server reads it as configuration text: write it with letters, digits, '.', '_', '-', $(POD_NAME) and $(POD_NAMESPACE) only, or remove it (the pod's name is the default)", e.Name)
	}
	return fmt.Errorf("%s is defined by the operator (nats.conf and the server's command line read it); remove it", e.Name)
}

// IsReservedEnv: the operator defines name in the NATS container.
func IsReservedEnv(name string) bool { return slices.Contains(reservedEnv, name) }

// plainServerName is a server name nats-server reads as one token after
// the kubelet expands the pod's name and namespace (DNS labels) into it.
var plainServerName = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_.-]*|\$\((POD_NAME|POD_NAMESPACE)\))([A-Za-z0-9_.-]|\$\((POD_NAME|POD_NAMESPACE)\))*$`)

// isPlainServerName: the pod's name or namespace from the downward API, or
// a value of letters, digits, '.', '_', '-' and $(POD_NAME) or
// $(POD_NAMESPACE), such as $(POD_NAME).$(POD_NAMESPACE).
func isPlainServerName(e corev1.EnvVar) bool {
	if from := e.ValueFrom; from != nil {
		f := from.FieldRef
		return e.Value == "" && f != nil && (f.FieldPath == "metadata.name" || f.FieldPath == "metadata.namespace") &&
			from.ConfigMapKeyRef == nil && from.SecretKeyRef == nil && from.ResourceFieldRef == nil
	}
	return len(e.Value) <= 128 && plainServerName.MatchString(e.Value)
}

// MountRules say where the tenant may mount volumes in the NATS container.
type MountRules struct {
	// JetStreamFile: the JetStream volume is mounted at DataDir.
	JetStreamFile bool
}

// ownedDirs are the directories whose whole content the operator renders
// or the server writes: a mount at, inside or above one replaces it.
// ConfigDir itself is not among them: nats.conf includes nothing from it
// but the files below, and nats-operator's users mount their clients file
// in a directory of its own there (spec.auth.clientsAuthFile).
func (m MountRules) ownedDirs() []string {
	dirs := []string{path.Join(ConfigDir, AuthDir), path.Join(ConfigDir, AdvertiseDir), OperatorJWTDir, path.Dir(PidFile)}
	if m.JetStreamFile {
		dirs = append(dirs, DataDir)
	}
	return dirs
}

// CheckTenantMount refuses a tenant mount that would replace what the
// operator renders: nats.conf, ConfigDir or a directory above it, or
// anything at, inside or above an owned directory.
func (m MountRules) CheckTenantMount(mountPath string) error {
	at := path.Clean("/" + mountPath)
	replaced := ""
	switch {
	case within(ConfigDir, at):
		replaced = ConfigDir
	case at == path.Join(ConfigDir, "nats.conf"):
		replaced = at
	}
	for _, owned := range m.ownedDirs() {
		if replaced == "" && (within(at, owned) || within(owned, at)) {
			replaced = owned
		}
	}
	if replaced != "" {
		return fmt.Errorf("a volume mounted at %q would replace %s, which the operator renders; mount it elsewhere", truncated(mountPath), replaced)
	}
	return nil
}

// within: p is dir or below it (both clean and absolute).
func within(p, dir string) bool {
	return p == dir || dir == "/" || strings.HasPrefix(p, dir+"/")
}

// LoggingFlags are the nats-server flags a tenant may add to the NATS
// container: they change what is logged, nothing else. Every other flag
// overrides nats.conf (listeners, auth, cluster, profiling).
var LoggingFlags = []string{"-D", "-V", "-DV", "-VD", "-VV", "-DVV", "--debug", "--trace", "-T", "--logtime"}

// CheckTenantArgs refuses arguments other than logging flags. The chart
// sets the command; the template's args follow it.
func CheckTenantArgs(args []string) error {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		if !slices.Contains(LoggingFlags, name) {
			return fmt.Errorf("%q: nats-server flags override nats.conf; only the logging flags %s may be added (set everything else through the NatsCluster's fields or config.merge)", truncated(a), strings.Join(LoggingFlags, " "))
		}
	}
	return nil
}

// natsPortNames are the ports the chart declares on the NATS container; a
// template port of the same name gives way to the chart's.
func (v *ChartValues) natsPortNames() map[string]bool {
	names := map[string]bool{"client": true, "cluster": true, "monitoring": true}
	for name, on := range map[string]bool{"gateway": v.Gateway.Enabled, "leafnodes": v.Leafnodes.Enabled, "websocket": v.Websocket.Enabled} {
		if on {
			names[name] = true
		}
	}
	return names
}

// NatsContainerIndex is the template container the chart merges into the
// NATS container: the one named nats, else the first (nats-operator's
// rule); -1 when there is none.
func NatsContainerIndex(containers []corev1.Container) int {
	for i, c := range containers {
		if c.Name == "nats" {
			return i
		}
	}
	if len(containers) > 0 {
		return 0
	}
	return -1
}

// validateNatsContainer checks the tenant's env, mounts and args of the
// NATS container: pod.env, pod.volumeMounts and the template's NATS
// container.
func (v *ChartValues) validateNatsContainer() error {
	var errs []error
	rules := MountRules{JetStreamFile: v.JetStream.Enabled && v.JetStream.File.Enabled}
	for i, e := range v.Pod.Env {
		if err := CheckTenantEnv(e); err != nil {
			errs = append(errs, fmt.Errorf("pod.env[%d] (spec.pod.natsEnv): %w", i, err))
		}
	}
	for i, m := range v.Pod.VolumeMounts {
		if err := rules.CheckTenantMount(m.MountPath); err != nil {
			errs = append(errs, fmt.Errorf("pod.volumeMounts[%d] (spec.pod.volumeMounts): %w", i, err))
		}
	}
	if len(v.Pod.Template) == 0 {
		return errors.Join(errs...)
	}
	var tpl corev1.PodTemplateSpec
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(v.Pod.Template, &tpl); err != nil {
		return errors.Join(append(errs, fmt.Errorf("pod.template (spec.template): %w", err))...)
	}
	i := NatsContainerIndex(tpl.Spec.Containers)
	if i < 0 {
		return errors.Join(errs...)
	}
	c := tpl.Spec.Containers[i]
	key := fmt.Sprintf("pod.template.spec.containers[%d] (spec.template.spec.containers[%d], the NATS container)", i, i)
	for j, e := range c.Env {
		if err := CheckTenantEnv(e); err != nil {
			errs = append(errs, fmt.Errorf("%s.env[%d]: %w", key, j, err))
		}
	}
	for j, m := range c.VolumeMounts {
		if err := rules.CheckTenantMount(m.MountPath); err != nil {
			errs = append(errs, fmt.Errorf("%s.volumeMounts[%d]: %w", key, j, err))
		}
	}
	if err := CheckTenantArgs(c.Args); err != nil {
		errs = append(errs, fmt.Errorf("%s.args: %w", key, err))
	}
	ours := v.natsPortNames()
	for j, p := range c.Ports {
		if !ours[p.Name] {
			errs = append(errs, fmt.Errorf("%s.ports[%d] %q: the NATS container's ports are the listeners nats.conf opens (%s); configure listeners through the NatsCluster's fields and remove this port", key, j, truncated(p.Name), strings.Join(slices.Sorted(maps.Keys(ours)), ", ")))
		}
	}
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && CapabilitiesOf(v.Image.Tag, v.ServerVersion).LameDuck {
		errs = append(errs, fmt.Errorf("%s.lifecycle.preStop: the operator's preStop puts the server in lame-duck mode, so that a rollout loses no client; remove it (server.lameDuckDurationSeconds tunes lame-duck mode, postStart is kept)", key))
	}
	return errors.Join(errs...)
}

package confcheck

import (
	"fmt"
	"path"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/values"
)

// containerFix says what to change when the NATS container's environment,
// mounts or command line would override what the operator renders.
const containerFix = "The operator owns the NATS container's command line, the variables nats.conf reads and the directories it mounts: remove the flag, variable or mount from spec.template, spec.pod.natsEnv or spec.pod.volumeMounts (or mount the volume elsewhere)."

// checkNatsContainer applies the translator's rules for the tenant's part
// of the NATS container (values.CheckTenantEnv, CheckTenantMount,
// CheckTenantArgs) to what Helm is about to apply, where the tenant's and
// the chart's entries are already merged: the chart's own entries are told
// apart by their form, not trusted by their name.
func checkNatsContainer(r *report, sts *appsv1.StatefulSet, nats *corev1.Container, nc *natsv1alpha2.NatsCluster) {
	checkEnv(r, nats.Env)
	checkMounts(r, sts, nats, nc)
	checkCommand(r, nats)
}

// checkEnv: each variable the operator defines appears once, in the form
// the chart writes it.
func checkEnv(r *report, env []corev1.EnvVar) {
	seen := map[string]bool{}
	for _, e := range env {
		if !values.IsReservedEnv(e.Name) {
			continue
		}
		if seen[e.Name] {
			r.add(containerFix, "the NATS container defines %s twice", e.Name)
			continue
		}
		seen[e.Name] = true
		if !chartEnv(e) {
			r.add(containerFix, "the NATS container's variable %s is not the operator's: %s", e.Name, describeEnv(e))
		}
	}
}

// chartEnv: e is a reserved variable as the chart defines it.
func chartEnv(e corev1.EnvVar) bool {
	from := e.ValueFrom
	switch e.Name {
	case values.EnvPodName, values.EnvPodNamespace:
		field := map[string]string{values.EnvPodName: "metadata.name", values.EnvPodNamespace: "metadata.namespace"}[e.Name]
		return e.Value == "" && from != nil && from.FieldRef != nil && from.FieldRef.FieldPath == field
	case values.EnvServerName:
		return values.CheckTenantEnv(e) == nil // a plain name
	}
	return false
}

func describeEnv(e corev1.EnvVar) string {
	switch from := e.ValueFrom; {
	case from == nil:
		return fmt.Sprintf("a value of %d characters", len(e.Value))
	case from.FieldRef != nil:
		return "the pod's " + from.FieldRef.FieldPath
	case from.SecretKeyRef != nil:
		return fmt.Sprintf("key %q of Secret %q", from.SecretKeyRef.Key, from.SecretKeyRef.Name)
	case from.ConfigMapKeyRef != nil:
		return fmt.Sprintf("key %q of ConfigMap %q", from.ConfigMapKeyRef.Key, from.ConfigMapKeyRef.Name)
	}
	return "a value from elsewhere"
}

// checkMounts: the chart's volumes (known by name and content) are mounted
// where the chart mounts them; every other mount follows the tenant's rule.
func checkMounts(r *report, sts *appsv1.StatefulSet, nats *corev1.Container, nc *natsv1alpha2.NatsCluster) {
	volumes := map[string]corev1.Volume{}
	for _, v := range sts.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	rules := values.MountRules{JetStreamFile: hasClaim(sts, nc.Name+"-js")}
	for _, m := range nats.VolumeMounts {
		if want, ok := chartMount(m.Name); ok && chartVolume(volumes[m.Name], nc) {
			if path.Clean(m.MountPath) != want || m.SubPath != "" {
				r.add(containerFix, "the NATS container mounts volume %q at %q, not at %s", m.Name, bounded(m.MountPath), want)
			}
			continue
		}
		if strings.HasSuffix(m.Name, "-tls-certs") || m.Name == nc.Name+"-js" {
			continue // the tenant's own TLS Secrets; the JetStream claim
		}
		if err := rules.CheckTenantMount(m.MountPath); err != nil {
			r.add(containerFix, "the NATS container mounts volume %q: %v", m.Name, err)
		}
	}
}

// chartMount is where the chart mounts its volume name, if it is one.
func chartMount(name string) (string, bool) {
	switch name {
	case "config":
		return values.ConfigDir, true
	case "pid":
		return path.Dir(values.PidFile), true
	case "auth":
		return path.Join(values.ConfigDir, values.AuthDir), true
	case "advertiseconfig":
		return path.Join(values.ConfigDir, values.AdvertiseDir), true
	case "operator-jwt":
		return values.OperatorJWTDir, true
	}
	return "", false
}

// chartVolume: the volume holds what the chart puts in it.
func chartVolume(v corev1.Volume, nc *natsv1alpha2.NatsCluster) bool {
	switch v.Name {
	case "config":
		return v.ConfigMap != nil && v.ConfigMap.Name == nc.Name+"-config"
	case "auth":
		return v.Secret != nil && v.Secret.SecretName == nc.Name+"-auth"
	case "pid", "advertiseconfig":
		return v.EmptyDir != nil
	case "operator-jwt":
		return v.Secret != nil && nc.Spec.OperatorConfig != nil && v.Secret.SecretName == nc.Spec.OperatorConfig.Secret
	}
	return false
}

func hasClaim(sts *appsv1.StatefulSet, name string) bool {
	for _, c := range sts.Spec.VolumeClaimTemplates {
		if c.Name == name {
			return true
		}
	}
	return false
}

// checkCommand: the chart's command reads the operator's nats.conf, and the
// arguments after it only change logging.
func checkCommand(r *report, nats *corev1.Container) {
	configFile := path.Join(values.ConfigDir, "nats.conf")
	cmd := nats.Command
	ok := len(cmd) >= 3 && cmd[1] == "-c" && cmd[2] == configFile
	for i := 3; ok && i < len(cmd); i++ {
		switch cmd[i] {
		case "-P", "--cluster_advertise", "--connect_retries":
			i++
		case "--no_advertise":
		default:
			ok = false
		}
	}
	if !ok {
		r.add(containerFix, "the NATS container's command is not the chart's (%d arguments)", len(cmd))
	}
	if err := values.CheckTenantArgs(nats.Args); err != nil {
		r.add(containerFix, "the NATS container's args: %v", err)
	}
}

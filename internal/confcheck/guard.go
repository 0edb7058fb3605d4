package confcheck

import (
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/objcheck"
	"github.com/nats-operator/nats-operator/internal/overlay"
	"github.com/nats-operator/nats-operator/internal/values"
)

// Guard is the post-render check of a NatsCluster's release: what Helm is
// about to apply must be exactly what the chart means to render for that
// NatsCluster, whatever values reached the templates. docs/security.md
// ("Post-render guard") lists the rules.
type Guard struct {
	// AllowOwnedConfigOverrides lets config.merge and chartValues replace
	// what the operator owns in nats.conf: the listeners, the include of
	// the operator's auth Secret, and users, accounts, tokens, operator and
	// resolver defined in nats.conf itself. The object rules (kinds,
	// namespace, names, labels) and the server's own check of nats.conf
	// always apply.
	AllowOwnedConfigOverrides bool
}

// Check returns nil when manifest is what the chart renders for nc, and a
// *Refusal naming every problem otherwise.
func (g Guard) Check(manifest string, nc *natsv1alpha2.NatsCluster) error {
	r := &report{cluster: nc.Namespace + "/" + nc.Name}
	objs, err := overlay.DecodeManifest(manifest)
	if err != nil {
		r.add(yamlFix, "%v", err)
		return r.err()
	}
	checkObjects(r, objs, nc)
	if len(r.problems) == 0 {
		// Only the chart's own objects reach the API server's checks, so
		// their messages never quote an injected object.
		checkAdmission(r, manifest)
	}
	if conf, sts, nats := natsServer(r, objs, nc); nats != nil {
		checkNatsContainer(r, sts, nats, nc)
		g.checkConfig(r, conf, nats, nc)
	}
	return r.err()
}

// checkConfig loads nats.conf in nats-server against the NATS container's
// environment and, unless overrides are allowed, checks what the operator
// owns in it.
func (g Guard) checkConfig(r *report, conf string, nats *corev1.Container, nc *natsv1alpha2.NatsCluster) {
	cmName := nc.Name + "-config"
	env := envOf(nats)
	o, err := loadOptions(conf, env)
	if err != nil {
		r.add(loadFix, "ConfigMap %q: %v", cmName, withSource(err, nc))
		return
	}
	if g.AllowOwnedConfigOverrides {
		return
	}
	tree, err := loadTree(conf, env)
	if err != nil {
		r.add(loadFix, "ConfigMap %q: %v", cmName, err)
		return
	}
	checkOwnership(r, ownedBy(nc), o, tree, portsOf(nats))
}

// withSource names, in a nats-server refusal, the NatsCluster field behind
// the refused key.
func withSource(err error, nc *natsv1alpha2.NatsCluster) error {
	var le *LoadError
	if errors.As(err, &le) && le.Position != nil {
		le.Source = values.ConfigSource(nc, le.Position.Key)
	}
	return err
}

// checkAdmission applies the API server's own checks to the objects, so a
// release the guard passes is not refused half-way through by the API
// server.
func checkAdmission(r *report, manifest string) {
	err := objcheck.Manifest(manifest)
	if err == nil {
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			r.add(admissionFix, "%s", line)
		}
	}
}

// natsServer returns the rendered nats.conf, the StatefulSet and its NATS
// container, which every release has; their absence is a problem.
func natsServer(r *report, objs []*unstructured.Unstructured, nc *natsv1alpha2.NatsCluster) (string, *appsv1.StatefulSet, *corev1.Container) {
	cmName, stsName := nc.Name+"-config", nc.Name
	var cm *corev1.ConfigMap
	var sts *appsv1.StatefulSet
	for _, o := range objs {
		switch gvk := o.GroupVersionKind(); {
		case gvk == configMapGVK && o.GetName() == cmName:
			cm = &corev1.ConfigMap{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, cm); err != nil {
				r.add(brokenFix, "ConfigMap %q is not a valid ConfigMap: %v", cmName, err)
				return "", nil, nil
			}
		case gvk == statefulSetGVK && o.GetName() == stsName:
			sts = &appsv1.StatefulSet{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, sts); err != nil {
				r.add(brokenFix, "StatefulSet %q is not a valid StatefulSet: %v", stsName, err)
				return "", nil, nil
			}
		}
	}
	var conf string
	var nats *corev1.Container
	switch {
	case cm == nil:
		r.add(brokenFix, "the manifest has no ConfigMap %q", cmName)
	case cm.Data[ConfigKey] == "":
		r.add(brokenFix, "ConfigMap %q has no %s", cmName, ConfigKey)
	default:
		conf = cm.Data[ConfigKey]
	}
	switch {
	case sts == nil:
		r.add(brokenFix, "the manifest has no StatefulSet %q", stsName)
	case natsContainer(sts) == nil:
		r.add(brokenFix, "StatefulSet %q has no container named %q", stsName, natsContainerName)
	default:
		nats = natsContainer(sts)
	}
	if conf == "" {
		return "", nil, nil
	}
	return conf, sts, nats
}

// yamlFix and loadFix: the manifest or nats.conf does not even parse.
const (
	yamlFix = "A spec value broke the chart's YAML (spec.chartValues, or a field holding a line break or quote): correct that value."
	loadFix = "Correct the NatsCluster field nats-server refuses (where none is named, the spec.chartValues setting behind the nats.conf key)."
	// admissionFix: the API server would refuse an object.
	admissionFix = "The API server would refuse these objects: correct the NatsCluster field behind the field it names."
)

// brokenFix is the fix when the manifest lacks what every release has.
const brokenFix = "Every release has the ConfigMap <name>-config with nats.conf and the StatefulSet <name> with a container named nats: check spec.chartValues and the pod template for what removed or renamed them."

// natsContainerName is the NATS server's container in the chart's pod.
const natsContainerName = "nats"

func natsContainer(sts *appsv1.StatefulSet) *corev1.Container {
	for i, c := range sts.Spec.Template.Spec.Containers {
		if c.Name == natsContainerName {
			return &sts.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

// envOf is the environment nats-server resolves its variables against.
func envOf(c *corev1.Container) Env {
	env := Env{}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			env[e.Name] = nil
		} else {
			env[e.Name] = &e.Value
		}
	}
	return env
}

// portsOf maps the container's port names to their numbers.
func portsOf(c *corev1.Container) map[string]int {
	out := map[string]int{}
	for _, p := range c.Ports {
		if p.Name != "" {
			out[p.Name] = int(p.ContainerPort)
		}
	}
	return out
}

// maxProblems bounds a refusal's message: a hostile manifest may hold
// thousands of objects, and the message lands in a condition and an Event.
const maxProblems = 10

// Refusal is the guard's verdict on a rendered release: the problems, each
// naming the object, and what to change. It never quotes a secret: only
// kinds, names, keys and port numbers.
type Refusal struct {
	// Cluster is the NatsCluster, namespace/name.
	Cluster  string
	Problems []string
	// Fixes say what to change, one sentence per kind of problem.
	Fixes []string
}

func (e *Refusal) Error() string {
	shown := e.Problems
	more := ""
	if len(shown) > maxProblems {
		more = fmt.Sprintf("; and %d more", len(shown)-maxProblems)
		shown = shown[:maxProblems]
	}
	msg := fmt.Sprintf("the operator refuses the release rendered for NatsCluster %s, so nothing was applied: %s%s.",
		e.Cluster, strings.Join(shown, "; "), more)
	if len(e.Fixes) > 0 {
		msg += " " + strings.Join(e.Fixes, " ")
	}
	return msg
}

type report struct {
	cluster  string
	problems []string
	fixes    []string
}

// add records a problem and, once, the sentence that says how to fix it.
func (r *report) add(fix, format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
	if fix != "" && !contains(r.fixes, fix) {
		r.fixes = append(r.fixes, fix)
	}
}

func (r *report) err() error {
	if len(r.problems) == 0 {
		return nil
	}
	return &Refusal{Cluster: r.cluster, Problems: r.problems, Fixes: r.fixes}
}

package bundle

import (
	"fmt"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/nats-operator/nats-operator/internal/images"
)

// WatchNamespaceEnv is the variable the operator reads its watched
// namespaces from (a comma list; empty means all namespaces).
const WatchNamespaceEnv = "WATCH_NAMESPACE"

// TargetNamespacesFieldPath is where OLM writes the OperatorGroup's target
// namespaces on the operator's pod: the install namespace for OwnNamespace,
// the chosen one for SingleNamespace, "" for AllNamespaces.
const TargetNamespacesFieldPath = "metadata.annotations['olm.targetNamespaces']"

// defaultContainerAnnotation names the main container of a multi-container pod.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// csvDeployment turns the operator's Deployment into the CSV install
// strategy's deployment: the operator container gets the image being
// bundled, WATCH_NAMESPACE from OLM's target namespaces, and a
// RELATED_IMAGE_* variable per related image.
func csvDeployment(u *unstructured.Unstructured, related []images.Image) (v1alpha1.StrategyDeploymentSpec, error) {
	var d appsv1.Deployment
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &d); err != nil {
		return v1alpha1.StrategyDeploymentSpec{}, fmt.Errorf("deployment %s: %w", u.GetName(), err)
	}
	c, err := operatorContainer(&d)
	if err != nil {
		return v1alpha1.StrategyDeploymentSpec{}, err
	}
	c.Image = related[0].Default
	setEnv(c, corev1.EnvVar{Name: WatchNamespaceEnv, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{FieldPath: TargetNamespacesFieldPath},
	}})
	for _, img := range related {
		setEnv(c, corev1.EnvVar{Name: img.Env, Value: img.Default})
	}
	return v1alpha1.StrategyDeploymentSpec{Name: d.Name, Spec: d.Spec, Label: withoutKustomizeLabel(d.Labels)}, nil
}

// operatorContainer is the only container, or the one the default-container
// annotation names.
func operatorContainer(d *appsv1.Deployment) (*corev1.Container, error) {
	cs := d.Spec.Template.Spec.Containers
	if len(cs) == 1 {
		return &cs[0], nil
	}
	name := d.Spec.Template.Annotations[defaultContainerAnnotation]
	for i := range cs {
		if name != "" && cs[i].Name == name {
			return &cs[i], nil
		}
	}
	return nil, fmt.Errorf("deployment %s: %d containers and no %s annotation naming one of them: cannot tell which one is the operator", d.Name, len(cs), defaultContainerAnnotation)
}

// setEnv replaces the variable of the same name, or appends it.
func setEnv(c *corev1.Container, v corev1.EnvVar) {
	for i := range c.Env {
		if c.Env[i].Name == v.Name {
			c.Env[i] = v
			return
		}
	}
	c.Env = append(c.Env, v)
}

// withoutKustomizeLabel drops app.kubernetes.io/managed-by=kustomize, which
// config/default adds and which is false once OLM manages the objects.
func withoutKustomizeLabel(labels map[string]string) map[string]string {
	if labels["app.kubernetes.io/managed-by"] != "kustomize" {
		return labels
	}
	out := map[string]string{}
	for k, v := range labels {
		if k != "app.kubernetes.io/managed-by" {
			out[k] = v
		}
	}
	return out
}

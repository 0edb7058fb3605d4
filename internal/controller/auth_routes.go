package controller

import (
	"bytes"
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/values"
)

// ValuesFunc gives the chart values of a NatsCluster, as the Helm
// reconciler computes them (values.Translator.Values).
type ValuesFunc func(*natsv1alpha2.NatsCluster) (*values.ChartValues, error)

// routes are the route URLs of routes.conf, from the same chart values the
// Helm reconciler renders: the size and the cluster port may come from
// spec.chartValues. Values the translator refuses keep the routes of the
// current <cluster>-auth (the Helm reconciler reports the values and
// deploys nothing new), so the other auth files still follow their
// sources.
func (r *AuthReconciler) routes(ctx context.Context, nc *natsv1alpha2.NatsCluster) auth.Routes {
	v, err := r.Values(nc)
	if err == nil {
		return auth.Routes{Servers: v.RouteServers(nc.Name, nc.Namespace), Extra: v.Routes.Extra}
	}
	log.FromContext(ctx).V(1).Info("chart values refused; keeping the current routes", "error", err.Error())
	return auth.Routes{Keep: r.currentRoutes(ctx, nc)}
}

// currentRoutes is routes.conf of <cluster>-auth as written, if any.
func (r *AuthReconciler) currentRoutes(ctx context.Context, nc *natsv1alpha2.NatsCluster) []byte {
	s := (&resource.AuthSecret{Cluster: nc}).Build()
	var current corev1.Secret
	if err := r.Get(ctx, client.ObjectKeyFromObject(s), &current); err != nil || !metav1.IsControlledBy(&current, nc) {
		return nil
	}
	return bytes.Clone(current.Data[auth.KeyRoutes])
}

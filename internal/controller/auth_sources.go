package controller

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// secretRef is a Secret named in spec.auth.
type secretRef struct {
	field string // e.g. spec.auth.clientsAuthSecret
	key   types.NamespacedName
}

// referencedSecrets lists the Secrets named in spec.auth that are in use:
// gatewayAuthSecret only with gatewayConfig, as in nats-operator.
func referencedSecrets(nc *natsv1alpha2.NatsCluster) []secretRef {
	a := nc.Spec.Auth
	if a == nil {
		return nil
	}
	var refs []secretRef
	add := func(field, name string) {
		if name != "" {
			refs = append(refs, secretRef{field: "spec.auth." + field, key: types.NamespacedName{Namespace: nc.Namespace, Name: name}})
		}
	}
	add("clientsAuthSecret", a.ClientsAuthSecret)
	add("clusterAuthSecret", a.ClusterAuthSecret)
	if nc.Spec.GatewayConfig != nil {
		add("gatewayAuthSecret", a.GatewayAuthSecret)
	}
	return refs
}

// wantsAuthSecret says whether the cluster needs <cluster>-auth at all.
func wantsAuthSecret(nc *natsv1alpha2.NatsCluster) bool {
	return auth.PlanFor(nc).SecretName != ""
}

// loadSources reads and parses the Secrets named in spec.auth. They are not
// in the manager's cache (it holds only the operator's own Secrets), so
// they are read from the API server; SecretWatcher brings their changes.
func (r *AuthReconciler) loadSources(ctx context.Context, nc *natsv1alpha2.NatsCluster) (auth.Sources, error) {
	a := nc.Spec.Auth
	src := auth.Sources{
		Clients:        auth.PlanFor(nc).Clients,
		ClientsTimeout: a.ClientsAuthTimeout,
		ClusterTimeout: a.ClusterAuthTimeout,
		GatewayTimeout: a.GatewayAuthTimeout,
	}
	for _, ref := range referencedSecrets(nc) {
		raw, prefix, err := r.readReferenced(ctx, ref)
		if err != nil {
			return src, err
		}
		switch ref.field {
		case "spec.auth.clientsAuthSecret":
			src.Static, err = auth.ParseClients(raw)
		case "spec.auth.clusterAuthSecret":
			src.Cluster, err = auth.ParseCredentials(raw)
			src.Routes = r.routes(ctx, nc)
		default:
			src.Gateway, err = auth.ParseCredentials(raw)
		}
		if err != nil {
			return src, classify(err, prefix)
		}
	}
	if a.CalloutMode() {
		callout, err := r.calloutKeys(ctx, nc)
		if err != nil {
			return src, err
		}
		src.Callout = callout
	}
	return src, nil
}

// readReferenced returns the JSON of a referenced Secret and the prefix
// that locates it in messages.
func (r *AuthReconciler) readReferenced(ctx context.Context, ref secretRef) ([]byte, string, error) {
	var s corev1.Secret
	if err := r.APIReader.Get(ctx, ref.key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, "", userErrorf(natsv1alpha2.ReasonAuthSecretMissing,
				"%s: Secret %s not found: create it with the JSON under the key %s, or correct the name",
				ref.field, ref.key, auth.PreferredKeys[0])
		}
		return nil, "", fmt.Errorf("reading %s %s: %w", ref.field, ref.key, err)
	}
	k, err := auth.SecretKey(s.Data)
	if err != nil {
		return nil, "", classify(err, fmt.Sprintf("%s: Secret %s: ", ref.field, ref.key))
	}
	return s.Data[k], fmt.Sprintf("%s: Secret %s, key %s: ", ref.field, ref.key, k), nil
}

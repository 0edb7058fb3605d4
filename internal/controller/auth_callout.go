package controller

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/resource"
)

// calloutKeys makes sure <cluster>-callout holds the callout sidecar's keys
// and password (generated once) and returns their public side for
// clients.conf.
func (r *AuthReconciler) calloutKeys(ctx context.Context, nc *natsv1alpha2.NatsCluster) (*auth.Callout, error) {
	roles, err := r.rolePermissions(ctx, nc)
	if err != nil {
		return nil, err
	}
	b := &resource.CalloutSecret{Cluster: nc, Roles: roles, Scheme: r.Scheme, Now: r.now()}
	s := b.Build()
	_, err = controllerutil.CreateOrUpdate(ctx, r.Client, s, func() error { return b.Update(s) })
	switch {
	case apierrors.IsAlreadyExists(err), errors.Is(err, resource.ErrNotOwned):
		return nil, userErrorf(natsv1alpha2.ReasonAuthConflict,
			"Secret %s/%s exists and is not managed by nats-operator for this cluster: delete or rename it", s.Namespace, s.Name)
	case err != nil:
		return nil, fmt.Errorf("writing Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	return resource.CalloutKeys(s)
}

// rolePermissions are the permissions of the cluster's NatsServiceRoles by
// name: the sidecar's roles.json.
func (r *AuthReconciler) rolePermissions(ctx context.Context, nc *natsv1alpha2.NatsCluster) (map[string]natsv1alpha2.Permissions, error) {
	var roles natsv1alpha2.NatsServiceRoleList
	if err := r.List(ctx, &roles, client.InNamespace(nc.Namespace), client.MatchingLabels{natsv1alpha2.ClusterLabel: nc.Name}); err != nil {
		return nil, fmt.Errorf("listing NatsServiceRoles: %w", err)
	}
	out := make(map[string]natsv1alpha2.Permissions, len(roles.Items))
	for _, role := range roles.Items {
		if role.DeletionTimestamp.IsZero() {
			out[role.Name] = role.Spec.Permissions
		}
	}
	return out, nil
}

// deleteCalloutSecret removes <cluster>-callout once the cluster no longer
// uses the callout; turning it on again makes new keys.
func (r *AuthReconciler) deleteCalloutSecret(ctx context.Context, nc *natsv1alpha2.NatsCluster) error {
	return r.deleteOwnedSecret(ctx, nc, (&resource.CalloutSecret{Cluster: nc}).Build())
}

// calloutCertificateRef is spec.tls.serverSecret when the callout sidecar
// presents its certificate as client certificate: in callout mode with
// spec.tls.verify.
func calloutCertificateRef(nc *natsv1alpha2.NatsCluster) (secretRef, bool) {
	t := nc.Spec.TLS
	if !nc.Spec.Auth.CalloutMode() || t == nil || t.ServerSecret == "" || !t.Verify || t.ServerSecretCertFileName == "" {
		return secretRef{}, false
	}
	return secretRef{field: "spec.tls.serverSecret", key: types.NamespacedName{Namespace: nc.Namespace, Name: t.ServerSecret}}, true
}

// calloutCertificateProblem says why the certificate of spec.tls.serverSecret
// cannot be the callout sidecar's client certificate; "" when it can, or
// when the sidecar presents none. The sidecar refuses to start with such a
// certificate; AuthReady and an Event name the fix where the user looks.
// A missing Secret is not this check's to report: no server starts
// without it.
func (r *AuthReconciler) calloutCertificateProblem(ctx context.Context, nc *natsv1alpha2.NatsCluster) (string, error) {
	ref, ok := calloutCertificateRef(nc)
	if !ok {
		return "", nil
	}
	var s corev1.Secret
	if err := r.APIReader.Get(ctx, ref.key, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("reading %s %s: %w", ref.field, ref.key, err)
	}
	file := nc.Spec.TLS.ServerSecretCertFileName
	if err := auth.CalloutClientCertificate(s.Data[file]); err != nil {
		return fmt.Sprintf("%s: Secret %s, key %s: %v", ref.field, ref.key, file, err), nil
	}
	return "", nil
}

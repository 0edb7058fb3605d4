package controller

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
)

// writeAuthSecret creates or updates <cluster>-auth with exactly files.
// Nothing is written, and no Event recorded, when it is already so.
func (r *AuthReconciler) writeAuthSecret(ctx context.Context, nc *natsv1alpha2.NatsCluster, files map[string][]byte) error {
	b := &resource.AuthSecret{Cluster: nc, Data: files, Scheme: r.Scheme}
	s := b.Build()
	op, err := controllerutil.CreateOrUpdate(ctx, r.Client, s, func() error { return b.Update(s) })
	switch {
	case apierrors.IsAlreadyExists(err), errors.Is(err, resource.ErrNotOwned):
		return userErrorf(natsv1alpha2.ReasonAuthConflict,
			"Secret %s/%s exists and is not managed by nats-operator for this cluster: delete or rename it",
			s.Namespace, s.Name)
	case err != nil:
		return fmt.Errorf("writing Secret %s/%s: %w", s.Namespace, s.Name, err)
	case op == controllerutil.OperationResultNone:
		return nil
	}
	keys := slices.Sorted(maps.Keys(files))
	r.Recorder.Eventf(nc, corev1.EventTypeNormal, natsv1alpha2.ReasonAuthSecretUpdated,
		"Secret %s %s (keys %s)", s.Name, op, strings.Join(keys, ", "))
	log.FromContext(ctx).Info("auth Secret written", "secret", s.Name, "operation", op, "keys", keys)
	return nil
}

// deleteAuthSecret removes <cluster>-auth once spec.auth needs none.
func (r *AuthReconciler) deleteAuthSecret(ctx context.Context, nc *natsv1alpha2.NatsCluster) error {
	return r.deleteOwnedSecret(ctx, nc, (&resource.AuthSecret{Cluster: nc}).Build())
}

// deleteOwnedSecret deletes s if it exists and nc controls it; a Secret of
// that name that is not the operator's is left alone.
func (r *AuthReconciler) deleteOwnedSecret(ctx context.Context, nc *natsv1alpha2.NatsCluster, s *corev1.Secret) error {
	if err := r.Get(ctx, client.ObjectKeyFromObject(s), s); err != nil {
		return client.IgnoreNotFound(err)
	}
	if !metav1.IsControlledBy(s, nc) {
		return nil
	}
	if err := r.Delete(ctx, s, client.Preconditions{UID: &s.UID}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting Secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	return nil
}

// pruneTokens deletes the cluster's token Secrets, in every watched
// namespace, that are not in keep: their role, ServiceAccount or the
// cluster itself is gone, or enableServiceAccounts was turned off. It runs
// after clients.conf no longer holds their users.
func (r *AuthReconciler) pruneTokens(ctx context.Context, nc *natsv1alpha2.NatsCluster, cluster types.NamespacedName, keep map[types.NamespacedName]bool) error {
	var list corev1.SecretList
	if err := r.List(ctx, &list, client.MatchingLabels{
		natsv1alpha2.LabelManagedBy:        natsv1alpha2.ManagedByValue,
		natsv1alpha2.LabelComponent:        natsv1alpha2.ComponentServiceRoleToken,
		natsv1alpha2.LabelCluster:          cluster.Name,
		natsv1alpha2.LabelClusterNamespace: cluster.Namespace,
	}); err != nil {
		return fmt.Errorf("listing token Secrets: %w", err)
	}
	for i := range list.Items {
		s := &list.Items[i]
		if keep[client.ObjectKeyFromObject(s)] {
			continue
		}
		if err := r.Delete(ctx, s, client.Preconditions{UID: &s.UID}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting token Secret %s/%s: %w", s.Namespace, s.Name, err)
		}
		log.FromContext(ctx).Info("token Secret deleted", "secret", client.ObjectKeyFromObject(s))
		if nc != nil {
			r.Recorder.Eventf(nc, corev1.EventTypeNormal, natsv1alpha2.ReasonTokenSecretDeleted,
				"Deleted token Secret %s/%s: its NatsServiceRole or ServiceAccount is gone", s.Namespace, s.Name)
		}
	}
	return nil
}

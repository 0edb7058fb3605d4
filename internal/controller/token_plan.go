package controller

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/resource"
)

// nameIndex indexes NatsServiceRoles and ServiceAccounts (metadata only)
// by name, so that the ServiceAccounts of a role are found in the cache,
// in the namespaces the operator watches, without listing namespaces
// (nats-io/k8s#166).
const nameIndex = "metadata.name"

// tokenTarget is one ServiceAccount of one role: a token Secret in the
// ServiceAccount's namespace and a NATS user.
type tokenTarget struct {
	role      *natsv1alpha2.NatsServiceRole
	namespace string
	user      string
	perms     *auth.Permissions
}

func (t tokenTarget) secretKey(cluster string) types.NamespacedName {
	return types.NamespacedName{Namespace: t.namespace, Name: resource.TokenSecretName(t.role.Name, cluster)}
}

// rolePlan is what enableServiceAccounts asks for: the targets, and the
// roles that have no ServiceAccount.
type rolePlan struct {
	targets []tokenTarget
	missing []string
}

// planRoles finds the cluster's NatsServiceRoles (its namespace, label
// nats_cluster=<cluster>) and the ServiceAccounts named like them in every
// watched namespace. Roles being deleted are left out.
func (r *AuthReconciler) planRoles(ctx context.Context, nc *natsv1alpha2.NatsCluster) (*rolePlan, error) {
	plan := &rolePlan{}
	// In callout mode clients bring their own tokens: none to issue, and
	// the token Secrets of an earlier token-Secret mode are pruned.
	if nc.Spec.Auth == nil || !nc.Spec.Auth.EnableServiceAccounts || nc.Spec.Auth.CalloutMode() {
		return plan, nil
	}
	if r.NoTokenSecrets {
		return nil, userErrorf(natsv1alpha2.ReasonTokenSecretsDisabled,
			"spec.auth.enableServiceAccounts: this operator is installed without token Secrets (no serviceaccounts/token permission): "+
				"set spec.auth.serviceAccounts.mode: Callout, or ask for an install with token Secrets")
	}
	var roles natsv1alpha2.NatsServiceRoleList
	if err := r.List(ctx, &roles, client.InNamespace(nc.Namespace),
		client.MatchingLabels{natsv1alpha2.ClusterLabel: nc.Name}); err != nil {
		return nil, fmt.Errorf("listing NatsServiceRoles: %w", err)
	}
	sort.Slice(roles.Items, func(i, j int) bool { return roles.Items[i].Name < roles.Items[j].Name })
	for i := range roles.Items {
		role := &roles.Items[i]
		if !role.DeletionTimestamp.IsZero() {
			continue
		}
		namespaces, err := serviceAccountNamespaces(ctx, r.Client, role.Name)
		if err != nil {
			return nil, err
		}
		if namespaces, err = r.unclaimedNamespaces(ctx, nc, namespaces); err != nil {
			return nil, err
		}
		if len(namespaces) == 0 {
			plan.missing = append(plan.missing, role.Name)
			continue
		}
		current, err := r.currentUsers(ctx, nc, role.Name)
		if err != nil {
			return nil, err
		}
		perms := auth.RolePermissions(role.Spec.Permissions)
		users := assignUsers(role.Name, nc.Namespace, namespaces, current)
		for _, ns := range namespaces {
			plan.targets = append(plan.targets, tokenTarget{role: role, namespace: ns, user: users[ns], perms: perms})
		}
	}
	return plan, nil
}

// unclaimedNamespaces drops the other namespaces that have a NatsCluster of
// the same name: token Secrets are named <role>-<cluster>-bound-token, so
// there the namespace's own cluster owns the name, and a cluster elsewhere
// must not fight it for the Secret.
func (r *AuthReconciler) unclaimedNamespaces(ctx context.Context, nc *natsv1alpha2.NatsCluster, namespaces []string) ([]string, error) {
	out := namespaces[:0:0]
	for _, ns := range namespaces {
		if ns != nc.Namespace {
			err := r.Get(ctx, types.NamespacedName{Namespace: ns, Name: nc.Name}, &natsv1alpha2.NatsCluster{})
			if err == nil {
				continue
			}
			if !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("looking for NatsCluster %s/%s: %w", ns, nc.Name, err)
			}
		}
		out = append(out, ns)
	}
	return out, nil
}

// serviceAccountNamespaces returns, sorted, the watched namespaces that
// hold a ServiceAccount of this name.
func serviceAccountNamespaces(ctx context.Context, c client.Reader, name string) ([]string, error) {
	var sas metav1.PartialObjectMetadataList
	sas.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ServiceAccountList"))
	if err := c.List(ctx, &sas, client.MatchingFields{nameIndex: name}); err != nil {
		return nil, fmt.Errorf("listing ServiceAccounts named %s: %w", name, err)
	}
	var out []string
	for _, sa := range sas.Items {
		if sa.DeletionTimestamp.IsZero() {
			out = append(out, sa.Namespace)
		}
	}
	sort.Strings(out)
	return out, nil
}

// currentUsers maps namespace → user name of the role's token Secrets.
func (r *AuthReconciler) currentUsers(ctx context.Context, nc *natsv1alpha2.NatsCluster, role string) (map[string]string, error) {
	var list corev1.SecretList
	if err := r.List(ctx, &list, client.MatchingLabels(resource.TokenLabels(clusterKey(nc), role))); err != nil {
		return nil, fmt.Errorf("listing token Secrets: %w", err)
	}
	out := map[string]string{}
	for _, s := range list.Items {
		out[s.Namespace] = string(s.Data[resource.UserKey])
	}
	return out, nil
}

// assignUsers names the NATS user of each ServiceAccount of a role. The user
// is the role's name, as in nats-operator. nats-server refuses two users of
// one name, and each ServiceAccount has its own token, so when the role's
// ServiceAccounts live in several namespaces only one of them gets the
// plain name and the others get "<role>@<namespace>" ('@' cannot occur in
// a role name, so these never collide). The plain name stays where it is
// (current: namespace → user of the existing token Secrets), else goes to
// the cluster's namespace, else to the first namespace in alphabetical
// order. Every token Secret holds its user under the key "user".
func assignUsers(role, clusterNS string, namespaces []string, current map[string]string) map[string]string {
	plain := ""
	for _, ns := range namespaces {
		if current[ns] == role {
			plain = ns
			break
		}
	}
	if plain == "" && slices.Contains(namespaces, clusterNS) {
		plain = clusterNS
	}
	if plain == "" && len(namespaces) > 0 {
		plain = slices.Min(namespaces)
	}
	out := make(map[string]string, len(namespaces))
	for _, ns := range namespaces {
		if ns == plain {
			out[ns] = role
		} else {
			out[ns] = role + "@" + ns
		}
	}
	return out
}

// placeholderUsers are the role users with a stand-in password: the
// config is checked before any token is issued, so that a config
// nats-server would refuse never costs a token rotation.
func (p *rolePlan) placeholderUsers() []auth.RoleUser {
	users := make([]auth.RoleUser, 0, len(p.targets))
	for _, t := range p.targets {
		users = append(users, auth.RoleUser{Role: t.role.Name, User: t.user, Password: "token-not-issued-yet", Permissions: t.perms})
	}
	return users
}

// missingMessage tells the user which ServiceAccounts to create.
func (p *rolePlan) missingMessage(nc *natsv1alpha2.NatsCluster) string {
	return fmt.Sprintf("NatsServiceRole %s in namespace %s: no ServiceAccount of that name in the namespaces the operator watches, "+
		"so no user: create the ServiceAccount (e.g. kubectl -n %s create serviceaccount %s) or delete the role",
		strings.Join(p.missing, ", "), nc.Namespace, nc.Namespace, p.missing[0])
}

func clusterKey(nc *natsv1alpha2.NatsCluster) types.NamespacedName {
	return types.NamespacedName{Namespace: nc.Namespace, Name: nc.Name}
}

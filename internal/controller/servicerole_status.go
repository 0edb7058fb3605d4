package controller

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
)

// roleObservation is what a role's Ready condition depends on.
type roleObservation struct {
	role *natsv1alpha2.NatsServiceRole
	// cluster is the NatsCluster the role is labeled with, nil if there is none.
	cluster *natsv1alpha2.NatsCluster
	// serviceAccounts are the watched namespaces holding a ServiceAccount
	// of the role's name.
	serviceAccounts []string
	tokenSecrets    []corev1.Secret
}

// roleCondition is a Ready condition; warning marks the problems worth a
// Warning Event.
type roleCondition struct {
	status  metav1.ConditionStatus
	reason  string
	message string
	warning bool
}

func (c roleCondition) metav1(generation int64) metav1.Condition {
	return metav1.Condition{
		Type: natsv1alpha2.ServiceRoleConditionReady, Status: c.status, Reason: c.reason,
		Message: c.message, ObservedGeneration: generation,
	}
}

func notReady(reason, format string, args ...any) roleCondition {
	return roleCondition{status: metav1.ConditionFalse, reason: reason, message: fmt.Sprintf(format, args...), warning: true}
}

// condition is the role's Ready condition: True once every ServiceAccount
// of its name holds a token Secret of its cluster.
func (o roleObservation) condition() roleCondition {
	role := o.role
	clusterName := role.Labels[natsv1alpha2.ClusterLabel]
	switch {
	case clusterName == "":
		return notReady(natsv1alpha2.ReasonClusterLabelMissing,
			"label %s is missing: set it to the name of the NatsCluster in namespace %s this role is for",
			natsv1alpha2.ClusterLabel, role.Namespace)
	case o.cluster == nil:
		return notReady(natsv1alpha2.ReasonClusterNotFound,
			"no NatsCluster %s in namespace %s: create it, or correct the %s label", clusterName, role.Namespace, natsv1alpha2.ClusterLabel)
	case o.cluster.Spec.Auth == nil || !o.cluster.Spec.Auth.EnableServiceAccounts:
		return notReady(natsv1alpha2.ReasonServiceAccountsDisabled,
			"NatsCluster %s does not set spec.auth.enableServiceAccounts: set it to give this role a user", clusterName)
	case len(o.serviceAccounts) == 0:
		return notReady(natsv1alpha2.ReasonServiceAccountMissing,
			"no ServiceAccount %s in the namespaces the operator watches: create it (kubectl -n %s create serviceaccount %s)",
			role.Name, role.Namespace, role.Name)
	}
	issued := map[string]bool{}
	for i := range o.tokenSecrets {
		s := &o.tokenSecrets[i]
		if _, ok := resource.TokenOf(s); ok && s.Name == tokenSecretName(role, s.Namespace).Name {
			issued[s.Namespace] = true
		}
	}
	var pending []string
	for _, ns := range o.serviceAccounts {
		if !issued[ns] {
			pending = append(pending, ns)
		}
	}
	if len(pending) > 0 {
		return roleCondition{status: metav1.ConditionFalse, reason: natsv1alpha2.ReasonTokenPending,
			message: fmt.Sprintf("waiting for the token of ServiceAccount %s in namespace(s) %s; NatsCluster %s's AuthReady condition tells why if it lasts",
				role.Name, strings.Join(pending, ", "), clusterName)}
	}
	return roleCondition{status: metav1.ConditionTrue, reason: natsv1alpha2.ReasonTokenIssued,
		message: fmt.Sprintf("Secret %s holds the token of ServiceAccount %s in namespace(s) %s",
			resource.TokenSecretName(role.Name, clusterName), role.Name, strings.Join(o.serviceAccounts, ", "))}
}

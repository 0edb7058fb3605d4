package controller

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
)

func TestRoleCondition(t *testing.T) {
	labeled := &natsv1alpha2.NatsServiceRole{ObjectMeta: metav1.ObjectMeta{
		Namespace: "nats", Name: "svc", Labels: map[string]string{natsv1alpha2.ClusterLabel: "c"}}}
	unlabeled := &natsv1alpha2.NatsServiceRole{ObjectMeta: metav1.ObjectMeta{Namespace: "nats", Name: "svc"}}
	enabled := &natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Auth: &natsv1alpha2.AuthConfig{EnableServiceAccounts: true}}}
	disabled := &natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Auth: &natsv1alpha2.AuthConfig{ClientsAuthSecret: "x"}}}
	issued := func(ns string) corev1.Secret {
		s := corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: resource.TokenSecretName("svc", "c")}}
		resource.SetToken(&s, resource.Token{User: "svc", Value: "jwt"})
		return s
	}
	tests := []struct {
		name   string
		obs    roleObservation
		status metav1.ConditionStatus
		reason string
		warn   bool
	}{
		{name: "no cluster label", obs: roleObservation{role: unlabeled},
			status: metav1.ConditionFalse, reason: natsv1alpha2.ReasonClusterLabelMissing, warn: true},
		{name: "no such cluster", obs: roleObservation{role: labeled},
			status: metav1.ConditionFalse, reason: natsv1alpha2.ReasonClusterNotFound, warn: true},
		{name: "ServiceAccounts not enabled", obs: roleObservation{role: labeled, cluster: disabled},
			status: metav1.ConditionFalse, reason: natsv1alpha2.ReasonServiceAccountsDisabled, warn: true},
		{name: "no ServiceAccount", obs: roleObservation{role: labeled, cluster: enabled},
			status: metav1.ConditionFalse, reason: natsv1alpha2.ReasonServiceAccountMissing, warn: true},
		{name: "token not issued yet in one namespace", obs: roleObservation{role: labeled, cluster: enabled,
			serviceAccounts: []string{"apps", "nats"}, tokenSecrets: []corev1.Secret{issued("nats")}},
			status: metav1.ConditionFalse, reason: natsv1alpha2.ReasonTokenPending},
		{name: "every ServiceAccount has its token", obs: roleObservation{role: labeled, cluster: enabled,
			serviceAccounts: []string{"apps", "nats"}, tokenSecrets: []corev1.Secret{issued("nats"), issued("apps")}},
			status: metav1.ConditionTrue, reason: natsv1alpha2.ReasonTokenIssued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.obs.condition()
			if c.status != tt.status || c.reason != tt.reason || c.warning != tt.warn || c.message == "" {
				t.Errorf("condition = %+v, want %s/%s warning=%v", c, tt.status, tt.reason, tt.warn)
			}
		})
	}
}

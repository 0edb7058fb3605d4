package controller

import (
	"context"
	"errors"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
)

// newToken is what the fake TokenRequest grants: a 600 s token.
var newToken = jwtWith(1000, 1600)

// ensureTokens against a fake API whose TokenRequest fails for the
// ServiceAccount in namespace "broken".
func TestEnsureTokensKeepsUsersAndSecretsInStep(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "nats", Name: "c"},
		Spec: natsv1alpha2.ClusterSpec{Auth: &natsv1alpha2.AuthConfig{EnableServiceAccounts: true}}}
	role := &natsv1alpha2.NatsServiceRole{ObjectMeta: metav1.ObjectMeta{Namespace: "nats", Name: "svc", UID: "uid-r"}}
	due := resource.Token{User: "svc@broken", Value: "old-token", Audience: "nats://c.broken.svc",
		ExpirationSeconds: DefaultTokenExpirationSeconds, ExpiresAt: now.Add(time.Minute), RenewAt: now.Add(-time.Minute)}

	tests := []struct {
		name      string
		existing  *corev1.Secret
		wantUsers map[string]string // user → password
		wantErr   string            // reason of the abort; "" when ensureTokens proceeds
	}{
		{
			name:      "a failed rotation keeps the current token in the config",
			existing:  tokenSecretWith("broken", resource.TokenLabels(types.NamespacedName{Namespace: "nats", Name: "c"}, "svc"), due),
			wantUsers: map[string]string{"svc": newToken, "svc@broken": "old-token"},
		},
		{
			name:      "a failed first issue leaves the user out",
			wantUsers: map[string]string{"svc": newToken},
		},
		{
			name:     "a Secret of someone else in the cluster's namespace stops everything before any write",
			existing: tokenSecretWith("nats", map[string]string{"team": "x"}, resource.Token{}),
			wantErr:  natsv1alpha2.ReasonTokenSecretConflict,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme := runtime.NewScheme()
			if err := clientgoscheme.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			if err := natsv1alpha2.AddToScheme(scheme); err != nil {
				t.Fatal(err)
			}
			b := fake.NewClientBuilder().WithScheme(scheme).WithObjects(nc.DeepCopy(), role.DeepCopy())
			if tt.existing != nil {
				b = b.WithObjects(tt.existing)
			}
			c := b.WithInterceptorFuncs(interceptor.Funcs{SubResourceCreate: fakeTokenRequest}).Build()
			r := &AuthReconciler{Client: c, APIReader: c, Scheme: scheme, Recorder: record.NewFakeRecorder(16),
				Clock: clocktesting.NewFakePassiveClock(now)}
			plan := &rolePlan{targets: []tokenTarget{
				{role: role, namespace: "nats", user: "svc"},
				{role: role, namespace: "broken", user: "svc@broken"},
			}}
			res, err := r.ensureTokens(context.Background(), nc, plan)
			if tt.wantErr != "" {
				var ue *userError
				if !errors.As(err, &ue) || ue.reason != tt.wantErr {
					t.Fatalf("err = %v, want reason %s", err, tt.wantErr)
				}
				if err := c.Get(context.Background(), types.NamespacedName{Namespace: "broken", Name: "svc-c-bound-token"}, &corev1.Secret{}); !apierrors.IsNotFound(err) {
					t.Errorf("a token Secret was written before the conflict was found: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var te *tokenRequestError
			if !errors.As(res.failed, &te) {
				t.Errorf("failed = %v, want the refused TokenRequest", res.failed)
			}
			got := map[string]string{}
			for _, u := range res.users {
				got[u.User] = u.Password
			}
			if len(got) != len(tt.wantUsers) {
				t.Fatalf("users = %v, want %v", got, tt.wantUsers)
			}
			for u, p := range tt.wantUsers {
				if got[u] != p {
					t.Errorf("user %s password %q, want %q", u, got[u], p)
				}
				ns := "nats"
				if u != "svc" {
					ns = "broken"
				}
				var s corev1.Secret
				if err := c.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: "svc-c-bound-token"}, &s); err != nil {
					t.Fatal(err)
				}
				if string(s.Data[resource.TokenKey]) != p {
					t.Errorf("Secret in %s holds %q while the config gets %q", ns, s.Data[resource.TokenKey], p)
				}
			}
			if want := now.Add(480 * time.Second); len(tt.wantUsers) == 1 && !res.renewAt.Equal(want) {
				t.Errorf("renewAt = %s, want 80%% of the granted 600 s: %s", res.renewAt, want)
			}
		})
	}
}

func tokenSecretWith(ns string, labels map[string]string, tok resource.Token) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "svc-c-bound-token", Labels: labels}}
	if tok.Value != "" {
		resource.SetToken(s, tok)
	}
	return s
}

// fakeTokenRequest grants 600 s tokens, except in namespace "broken".
func fakeTokenRequest(_ context.Context, _ client.Client, sub string, obj client.Object, req client.Object, _ ...client.SubResourceCreateOption) error {
	if sub != "token" {
		return errors.New("unexpected subresource " + sub)
	}
	if obj.GetNamespace() == "broken" {
		return apierrors.NewForbidden(schema.GroupResource{Resource: "serviceaccounts/token"}, obj.GetName(), errors.New("denied"))
	}
	tr := req.(*authenticationv1.TokenRequest)
	if tr.Spec.BoundObjectRef == nil || tr.Spec.BoundObjectRef.Kind != "Secret" || *tr.Spec.ExpirationSeconds != DefaultTokenExpirationSeconds {
		return errors.New("token not bound to its Secret or without an explicit lifetime")
	}
	tr.Status.Token = newToken
	return nil
}

// TestForeignSecretInAnotherNamespaceLeavesOneUserOut: in another namespace
// a token Secret name taken by someone else costs that one user, reported as
// a conflict; the cluster's own users still get their tokens.
func TestForeignSecretInAnotherNamespaceLeavesOneUserOut(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := natsv1alpha2.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "nats", Name: "c"}}
	role := &natsv1alpha2.NatsServiceRole{ObjectMeta: metav1.ObjectMeta{Namespace: "nats", Name: "svc", UID: "role-uid"}}
	foreign := tokenSecretWith("apps", map[string]string{"team": "x"}, resource.Token{})
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(nc, role, foreign).
		WithInterceptorFuncs(interceptor.Funcs{SubResourceCreate: fakeTokenRequest}).Build()
	r := &AuthReconciler{Client: c, APIReader: c, Scheme: scheme, Recorder: record.NewFakeRecorder(16),
		Clock: clocktesting.NewFakePassiveClock(now)}
	plan := &rolePlan{targets: []tokenTarget{
		{role: role, namespace: "nats", user: "svc"},
		{role: role, namespace: "apps", user: "svc@apps"},
	}}
	res, err := r.ensureTokens(context.Background(), nc, plan)
	if err != nil {
		t.Fatal(err)
	}
	var ue *userError
	if !errors.As(res.failed, &ue) || ue.reason != natsv1alpha2.ReasonTokenSecretConflict {
		t.Errorf("failed = %v, want the conflict reported", res.failed)
	}
	if len(res.users) != 1 || res.users[0].User != "svc" {
		t.Errorf("users = %+v, want only svc", res.users)
	}
	var kept corev1.Secret
	if err := c.Get(context.Background(), types.NamespacedName{Namespace: "apps", Name: "svc-c-bound-token"}, &kept); err != nil || kept.Labels["team"] != "x" {
		t.Errorf("the foreign Secret was touched: %v %v", kept.Labels, err)
	}
}

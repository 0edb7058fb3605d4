package resource

import (
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

func scheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	if err := natsv1alpha2.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthSecret(t *testing.T) {
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c", UID: "uid-c"}}
	tests := []struct {
		name    string
		current *corev1.Secret
		wantErr error
	}{
		{name: "new", current: &corev1.Secret{}},
		{name: "ours, with a stale key and a foreign label kept",
			current: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"team": "x"},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "nats.io/v1alpha2", Kind: "NatsCluster", Name: "c",
					UID: "uid-c", Controller: ptr.To(true)}}},
				Data: map[string][]byte{"old.conf": nil}}},
		{name: "controlled by something else",
			current: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
				OwnerReferences: []metav1.OwnerReference{{UID: "other", Controller: ptr.To(true)}}}},
			wantErr: ErrNotOwned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &AuthSecret{Cluster: nc, Data: map[string][]byte{"clients.conf": []byte("x")}, Scheme: scheme(t)}
			if s := b.Build(); s.Name != "c-auth" || s.Namespace != "ns" {
				t.Fatalf("Build = %s/%s", s.Namespace, s.Name)
			}
			s := tt.current
			s.Namespace = "ns"
			err := b.Update(s)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Data) != 1 || string(s.Data["clients.conf"]) != "x" || len(s.OwnerReferences) != 1 {
				t.Errorf("data = %v", s.Data)
			}
			want := map[string]string{natsv1alpha2.LabelManagedBy: natsv1alpha2.ManagedByValue, natsv1alpha2.LabelCluster: "c", natsv1alpha2.LabelApp: "nats"}
			for k, v := range want {
				if s.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, s.Labels[k], v)
				}
			}
			if ref := metav1.GetControllerOf(s); ref == nil || ref.UID != "uid-c" || ref.Kind != "NatsCluster" {
				t.Errorf("controller = %+v", ref)
			}
		})
	}
}

func TestTokenSecret(t *testing.T) {
	role := &natsv1alpha2.NatsServiceRole{ObjectMeta: metav1.ObjectMeta{Namespace: "nats", Name: "svc", UID: "uid-r"}}
	cluster := types.NamespacedName{Namespace: "nats", Name: "c"}
	ours := TokenLabels(cluster, "svc")
	existing := func(labels map[string]string, owners ...metav1.OwnerReference) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{ResourceVersion: "1", Labels: labels, OwnerReferences: owners}}
	}
	roleRef := metav1.OwnerReference{Kind: "NatsServiceRole", Name: "svc", UID: "uid-r"}
	tests := []struct {
		name       string
		namespace  string
		current    *corev1.Secret
		owned      bool
		wantOwners int
	}{
		{name: "new in the role's namespace: owned by the role", namespace: "nats", current: &corev1.Secret{}, owned: true, wantOwners: 1},
		{name: "new elsewhere: no owner reference (#321)", namespace: "apps", current: &corev1.Secret{}, owned: true, wantOwners: 0},
		{name: "nats-operator's Secret is adopted, its cross-namespace owner dropped", namespace: "apps",
			current: existing(map[string]string{"app": "nats", "nats_cluster": "c"}, roleRef), owned: true, wantOwners: 0},
		{name: "another cluster's Secret", namespace: "apps",
			current: existing(TokenLabels(types.NamespacedName{Namespace: "other", Name: "c"}, "svc")), owned: false},
		{name: "ours", namespace: "apps", current: existing(ours), owned: true, wantOwners: 0},
		{name: "someone else's Secret", namespace: "apps", current: existing(map[string]string{"team": "x"}), owned: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &TokenSecret{Cluster: cluster, Role: role, Namespace: tt.namespace, Scheme: scheme(t)}
			if s := b.Build(); s.Name != "svc-c-bound-token" || s.Namespace != tt.namespace {
				t.Fatalf("Build = %s/%s", s.Namespace, s.Name)
			}
			s := tt.current
			s.Namespace = tt.namespace
			if got := b.Owns(s); got != tt.owned {
				t.Fatalf("Owns = %v, want %v", got, tt.owned)
			}
			err := b.Update(s)
			if !tt.owned {
				if !errors.Is(err, ErrNotOwned) {
					t.Fatalf("err = %v, want ErrNotOwned", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(s.OwnerReferences) != tt.wantOwners {
				t.Errorf("owners = %+v, want %d", s.OwnerReferences, tt.wantOwners)
			}
			for k, v := range ours {
				if s.Labels[k] != v {
					t.Errorf("label %s = %q, want %q", k, s.Labels[k], v)
				}
			}
		})
	}
}

func TestTokenRoundTrip(t *testing.T) {
	s := &corev1.Secret{}
	if _, ok := TokenOf(s); ok {
		t.Fatal("an empty Secret holds no token")
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want := Token{User: "svc", Value: "jwt", Audience: "nats://c.ns.svc", ExpirationSeconds: 600, ExpiresAt: at.Add(time.Hour), RenewAt: at}
	SetToken(s, want)
	got, ok := TokenOf(s)
	if !ok || got != want {
		t.Errorf("TokenOf = %+v, %v; want %+v", got, ok, want)
	}
}

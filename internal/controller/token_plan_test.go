package controller

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

func TestAssignUsers(t *testing.T) {
	tests := []struct {
		name       string
		namespaces []string
		current    map[string]string
		want       map[string]string
	}{
		{name: "one ServiceAccount anywhere gets the role's name",
			namespaces: []string{"apps"}, want: map[string]string{"apps": "svc"}},
		{name: "the cluster's namespace first",
			namespaces: []string{"apps", "nats"}, want: map[string]string{"apps": "svc@apps", "nats": "svc"}},
		{name: "else the first namespace",
			namespaces: []string{"b", "a"}, want: map[string]string{"a": "svc", "b": "svc@b"}},
		{name: "an existing plain user stays where it is",
			namespaces: []string{"apps", "nats"}, current: map[string]string{"apps": "svc"},
			want: map[string]string{"apps": "svc", "nats": "svc@nats"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := assignUsers("svc", "nats", tt.namespaces, tt.current); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("assignUsers = %v, want %v", got, tt.want)
			}
		})
	}
}

func jwtWith(iat, exp int64) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"iat": %d, "exp": %d}`, iat, exp)))
	return "header." + payload + ".signature"
}

func TestTokenLifetime(t *testing.T) {
	tests := []struct {
		name string
		jwt  string
		want time.Duration
	}{
		{name: "the granted lifetime", jwt: jwtWith(1000, 1600), want: 600 * time.Second},
		{name: "the API server granted less", jwt: jwtWith(1000, 1900), want: 900 * time.Second},
		{name: "not a JWT falls back to the request", jwt: "opaque", want: time.Hour},
		{name: "no claims falls back to the request", jwt: "a.e30.b", want: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenLifetime(tt.jwt, time.Hour); got != tt.want {
				t.Errorf("tokenLifetime = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRequeueAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		renewAt time.Time
		bound   time.Duration
		want    time.Duration
	}{
		{name: "no token, no requeue", renewAt: time.Time{}, want: 0},
		{name: "until the renewal", renewAt: now.Add(48 * time.Minute), want: 48 * time.Minute},
		{name: "overdue: soon, not in a hot loop", renewAt: now.Add(-time.Minute), want: time.Second},
		{name: "bounded", renewAt: now.Add(time.Hour), bound: 5 * time.Second, want: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &AuthReconciler{Clock: clocktesting.NewFakePassiveClock(now), MaxRequeueAfter: tt.bound}
			if got := r.requeueAfter(tt.renewAt); got != tt.want {
				t.Errorf("requeueAfter = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	_, invalid := auth.ParseClients([]byte(`{"nope": 1}`))
	_, conflict := auth.Clients(&auth.Authorization{Token: "t"}, []auth.RoleUser{{User: "u"}}, 0)
	other := errors.New("connection refused")
	tests := []struct {
		err    error
		reason string
	}{
		{invalid, natsv1alpha2.ReasonAuthSecretInvalid},
		{conflict, natsv1alpha2.ReasonAuthConflict},
		{auth.Validate(auth.ClientsBlock, "users: 1\n"), natsv1alpha2.ReasonAuthConfigInvalid},
	}
	for _, tt := range tests {
		var ue *userError
		if !errors.As(classify(tt.err, "x: "), &ue) || ue.reason != tt.reason {
			t.Errorf("classify(%v) = %v, want reason %s", tt.err, classify(tt.err, "x: "), tt.reason)
		}
	}
	if got := classify(other, ""); got != other {
		t.Errorf("a transient error must stay itself, got %v", got)
	}
}

package resource

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// TestCalloutKeysRotate: the callout Secret's keys are made once, kept
// while they are young, and replaced (the password kept) once they are
// CalloutKeyLifetime old; RenewAt says when.
func TestCalloutKeysRotate(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := natsv1alpha2.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace, nc.UID = "n", "ns", "uid-1"
	start := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := (&CalloutSecret{Cluster: nc}).Build()
	write := func(now time.Time) *auth.Callout {
		t.Helper()
		if err := (&CalloutSecret{Cluster: nc, Scheme: scheme, Now: now}).Update(s); err != nil {
			t.Fatal(err)
		}
		keys, err := CalloutKeys(s)
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	first := write(start)
	if !first.RenewAt.Equal(start.Add(CalloutKeyLifetime)) {
		t.Errorf("RenewAt %v, want %v", first.RenewAt, start.Add(CalloutKeyLifetime))
	}
	if kept := write(start.Add(24 * time.Hour)); *kept != *first {
		t.Errorf("young keys were replaced: %+v, was %+v", kept, first)
	}
	rotated := write(start.Add(CalloutKeyLifetime))
	if rotated.Issuer == first.Issuer || rotated.XKey == first.XKey || rotated.Password != first.Password {
		t.Errorf("after %s: %+v, was %+v; want new keys and the same password", CalloutKeyLifetime, rotated, first)
	}
	if !rotated.RenewAt.Equal(start.Add(2 * CalloutKeyLifetime)) {
		t.Errorf("RenewAt after rotation %v", rotated.RenewAt)
	}
}

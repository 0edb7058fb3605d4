package resource

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// TestCalloutKeysRotate: the callout Secret's keys are made once and kept
// while they are young. CalloutKeyLifetime later the next keys are staged
// beside them (clients.conf, made from the current keys, unchanged);
// CalloutKeyStaging after that they become current and the old ones stay
// as the previous generation until the next rotation; the password is
// kept throughout, and RenewAt says when the next step is due.
func TestCalloutKeysRotate(t *testing.T) {
	scheme, nc := calloutCluster(t)
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
	seeds := func(prefix string) string {
		return string(s.Data[prefix+auth.CalloutKeyIssuerSeed]) + "/" + string(s.Data[prefix+auth.CalloutKeyXKeySeed])
	}
	first := write(start)
	firstSeeds := seeds("")
	if !first.RenewAt.Equal(start.Add(CalloutKeyLifetime)) {
		t.Errorf("RenewAt %v, want %v", first.RenewAt, start.Add(CalloutKeyLifetime))
	}
	if kept := write(start.Add(24 * time.Hour)); *kept != *first {
		t.Errorf("young keys were replaced: %+v, was %+v", kept, first)
	}

	stagedAt := start.Add(CalloutKeyLifetime)
	staged := write(stagedAt)
	if staged.Issuer != first.Issuer || staged.XKey != first.XKey {
		t.Errorf("staging changed the current keys: %+v, was %+v", staged, first)
	}
	if !validKeys(s.Data, auth.CalloutNextKeys) {
		t.Fatal("no next keys staged")
	}
	nextSeeds := seeds(auth.CalloutNextKeys)
	if !staged.RenewAt.Equal(stagedAt.Add(CalloutKeyStaging)) {
		t.Errorf("RenewAt while staged %v, want %v", staged.RenewAt, stagedAt.Add(CalloutKeyStaging))
	}
	if still := write(stagedAt.Add(CalloutKeyStaging - time.Second)); *still != *staged || seeds(auth.CalloutNextKeys) != nextSeeds {
		t.Error("the staged keys changed before CalloutKeyStaging")
	}

	promotedAt := stagedAt.Add(CalloutKeyStaging)
	promoted := write(promotedAt)
	if seeds("") != nextSeeds || seeds(auth.CalloutPreviousKeys) != firstSeeds || promoted.Password != first.Password {
		t.Errorf("after staging: current keys are the staged ones %v, previous the old ones %v, password kept %v",
			seeds("") == nextSeeds, seeds(auth.CalloutPreviousKeys) == firstSeeds, promoted.Password == first.Password)
	}
	if promoted.Issuer == first.Issuer || validKeys(s.Data, auth.CalloutNextKeys) {
		t.Errorf("promoted: issuer %s (was %s), next keys left %v", promoted.Issuer, first.Issuer, validKeys(s.Data, auth.CalloutNextKeys))
	}
	if !promoted.RenewAt.Equal(promotedAt.Add(CalloutKeyLifetime)) {
		t.Errorf("RenewAt after the rotation %v, want %v", promoted.RenewAt, promotedAt.Add(CalloutKeyLifetime))
	}

	write(promotedAt.Add(CalloutKeyLifetime))
	if _, ok := s.Data[auth.CalloutPreviousKeys+auth.CalloutKeyIssuerSeed]; ok || !validKeys(s.Data, auth.CalloutNextKeys) {
		t.Error("the next rotation did not drop the previous keys and stage new ones")
	}
}

// TestCalloutKeysRepaired: unusable current keys are replaced at once,
// with any rotation under way; usable keys without their date are dated,
// not replaced.
func TestCalloutKeysRepaired(t *testing.T) {
	scheme, nc := calloutCluster(t)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	s := (&CalloutSecret{Cluster: nc}).Build()
	update := func() {
		t.Helper()
		if err := (&CalloutSecret{Cluster: nc, Scheme: scheme, Now: now}).Update(s); err != nil {
			t.Fatal(err)
		}
	}
	update()
	issuer := string(s.Data[auth.CalloutKeyIssuerSeed])
	delete(s.Annotations, AnnotationCalloutKeysCreatedAt)
	update()
	if string(s.Data[auth.CalloutKeyIssuerSeed]) != issuer || s.Annotations[AnnotationCalloutKeysCreatedAt] == "" {
		t.Error("undated keys were replaced, or not dated")
	}
	s.Data[auth.CalloutKeyXKeySeed] = []byte("broken")
	s.Data[auth.CalloutNextKeys+auth.CalloutKeyIssuerSeed] = []byte("half a rotation")
	update()
	if !validKeys(s.Data, "") || string(s.Data[auth.CalloutKeyIssuerSeed]) == issuer {
		t.Error("unusable keys were not replaced")
	}
	if _, ok := s.Data[auth.CalloutNextKeys+auth.CalloutKeyIssuerSeed]; ok {
		t.Error("a rotation of unusable keys was kept")
	}
}

// calloutCluster is a NatsCluster and a scheme to own its callout Secret.
func calloutCluster(t *testing.T) (*runtime.Scheme, *natsv1alpha2.NatsCluster) {
	t.Helper()
	scheme := runtime.NewScheme()
	if err := natsv1alpha2.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	nc := &natsv1alpha2.NatsCluster{}
	nc.Name, nc.Namespace, nc.UID = "n", "ns", "uid-1"
	return scheme, nc
}

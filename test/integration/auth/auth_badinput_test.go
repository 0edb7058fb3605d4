package auth_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// Each bad input gives its condition and Warning Event, and the last good
// <cluster>-auth stays exactly as it was; the fix brings AuthReady back.
func TestBadInputKeepsLastGoodConfig(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ctx := context.Background()
	ns := cp.Namespace(t, "bad")
	const goodJSON = `{"users": [{"user": "a", "password": "secret-a"}]}`
	src := secret(ns, "clients", map[string]string{"auth.json": goodJSON})
	create(t, src)
	create(t, serviceAccount(ns, "svc"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{ClientsAuthSecret: "clients", EnableServiceAccounts: true})
	svc := role(ns, "svc", natsv1alpha2.Permissions{Publish: []string{"svc.>"}})
	orphan := role(ns, "orphan", natsv1alpha2.Permissions{})
	create(t, nc)
	create(t, svc)
	deleteAtEnd(t, svc, orphan, nc)
	good := waitSecret(t, authKey(nc), hasUsers("a", "svc")).Data
	waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)

	setJSON := func(v string) func(t *testing.T) {
		return func(t *testing.T) {
			var s corev1.Secret
			if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(src), &s); err != nil {
				t.Fatal(err)
			}
			s.Data = map[string][]byte{"auth.json": []byte(v)}
			if err := cp.Client.Update(ctx, &s); err != nil {
				t.Fatal(err)
			}
		}
	}
	setSecretName := func(name string) func(t *testing.T) {
		return func(t *testing.T) {
			var cur natsv1alpha2.NatsCluster
			if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
				t.Fatal(err)
			}
			// A patch, not an update: the operator's status writes move the
			// resourceVersion between this Get and the write.
			patch := client.MergeFrom(cur.DeepCopy())
			cur.Spec.Auth.ClientsAuthSecret = name
			if err := cp.Client.Patch(ctx, &cur, patch); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name    string
		breakIt func(t *testing.T)
		fix     func(t *testing.T)
		reason  string
		// text the condition message and the Event must contain: what to fix
		text string
	}{
		{
			name: "missing Secret", breakIt: setSecretName("no-such-secret"), fix: setSecretName("clients"),
			reason: natsv1alpha2.ReasonAuthSecretMissing, text: "Secret " + ns + "/no-such-secret not found: create it",
		},
		{
			name: "key that is not JSON", breakIt: setJSON(`{"users": [{"user": "a", "password": secret-b}]}`), fix: setJSON(goodJSON),
			reason: natsv1alpha2.ReasonAuthSecretInvalid, text: "key auth.json: not valid JSON",
		},
		{
			name: "unknown permission shape", breakIt: setJSON(`{"users": [{"user": "a", "password": "secret-c", "permissions": {"publish": 42}}]}`), fix: setJSON(goodJSON),
			reason: natsv1alpha2.ReasonAuthSecretInvalid, text: "users[0].permissions.publish: expected a subject",
		},
		{
			name: "static user clashes with a role user", breakIt: setJSON(`{"users": [{"user": "svc", "password": "secret-d"}]}`), fix: setJSON(goodJSON),
			reason: natsv1alpha2.ReasonAuthConflict, text: `user "svc" of NatsServiceRole svc is also defined by clientsAuthSecret`,
		},
		{
			name: "role without ServiceAccount",
			breakIt: func(t *testing.T) {
				o := orphan.DeepCopy()
				create(t, o)
			},
			fix: func(t *testing.T) {
				if err := cp.Client.Delete(ctx, orphan.DeepCopy()); err != nil {
					t.Fatal(err)
				}
			},
			reason: natsv1alpha2.ReasonServiceAccountMissing, text: "NatsServiceRole orphan in namespace " + ns + ": no ServiceAccount",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.breakIt(t)
			c := waitAuthReady(t, nc, tt.reason)
			if c.Status != metav1.ConditionFalse || !bytes.Contains([]byte(c.Message), []byte(tt.text)) {
				t.Errorf("AuthReady = %+v, want False with %q", c, tt.text)
			}
			waitEvent(t, nc, corev1.EventTypeWarning, tt.reason, tt.text)
			assertUnchanged(t, nc, good)
			for _, secretValue := range []string{"secret-a", "secret-b", "secret-c", "secret-d"} {
				if bytes.Contains([]byte(c.Message), []byte(secretValue)) {
					t.Errorf("condition message leaks a password: %s", c.Message)
				}
			}
			tt.fix(t)
			waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)
			assertUnchanged(t, nc, good)
		})
	}
}

func assertUnchanged(t *testing.T, nc *natsv1alpha2.NatsCluster, want map[string][]byte) {
	t.Helper()
	var s corev1.Secret
	if err := cp.Client.Get(context.Background(), authKey(nc), &s); err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(s.Data, want, bytes.Equal) {
		t.Fatalf("%s changed:\n%s\nwant\n%s", s.Name, fmt.Sprint(stringMap(s.Data)), fmt.Sprint(stringMap(want)))
	}
}

func stringMap(m map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

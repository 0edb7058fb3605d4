//go:build e2e

package e2e

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func clientsAuth(alicePassword string) string {
	return fmt.Sprintf(`{"users": [
  {"username": "alice", "password": %q,
   "permissions": {"publish": ["e2e.alice.>"], "subscribe": ["e2e.>", "_INBOX.>"]}},
  {"username": "bob", "password": "bob-pw"}
]}`, alicePassword)
}

// TestClientsAuth: users from a clientsAuthSecret and ServiceAccount users
// of NatsServiceRoles, together, with their permissions, on every server;
// a password edit and a token rotation reach every server without a restart.
func TestClientsAuth(t *testing.T) {
	t.Parallel()
	const name = "e2e-auth"
	secret := &corev1.Secret{ObjectMeta: meta(name + "-clients"), StringData: map[string]string{"auth.json": clientsAuth("alice-pw")}}
	createObject(t, secret)
	const role = "e2e-auth-app"
	createObject(t, &corev1.ServiceAccount{ObjectMeta: meta(role)})
	sr := &unstructured.Unstructured{Object: obj{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsServiceRole",
		"metadata": obj{"name": role, "namespace": env.namespace, "labels": obj{"nats_cluster": name}},
		"spec":     obj{"permissions": obj{"publish": []any{"e2e.app.>"}, "subscribe": []any{"e2e.>", "_INBOX.>"}}},
	}}
	createObject(t, sr)
	c := createCluster(t, name, obj{
		"size": 3, "version": env.natsVersion,
		"pod":  obj{"enableConfigReload": true},
		"auth": obj{"clientsAuthSecret": secret.Name, "enableServiceAccounts": true},
	})
	pods := c.waitReady(3, env.natsVersion)
	waitMesh(t, pods)
	eventually(t, convergeWithin, "AuthReady", func() error { return c.condition("AuthReady", "True") })
	before := identities(t, pods)

	t.Run("static users", func(t *testing.T) {
		for _, p := range pods {
			if _, err := connectPod(p); !errors.Is(err, nats.ErrAuthorization) {
				t.Errorf("%s: anonymous client: got %v, want an authorization violation", p.Name, err)
			}
			if _, err := connectPod(p, nats.UserInfo("alice", "wrong")); !errors.Is(err, nats.ErrAuthorization) {
				t.Errorf("%s: wrong password: got %v, want an authorization violation", p.Name, err)
			}
		}
		rec := newErrorRecorder()
		alice := mustConnectPod(t, pods[0], nats.UserInfo("alice", "alice-pw"), rec.option())
		bob := mustConnectPod(t, pods[2], nats.UserInfo("bob", "bob-pw"))
		requireDelivery(t, bob, alice, "e2e.alice.hello")
		rec.requireViolation(t, alice, "publish", "e2e.bob.hello")
		rec.requireViolation(t, alice, "subscribe", "private.x")
	})

	token, user := waitTokenSecret(t, role+"-"+name+"-bound-token", "")
	t.Run("ServiceAccount users", func(t *testing.T) {
		if user != role {
			t.Errorf("token Secret user %q, want %q", user, role)
		}
		rec := newErrorRecorder()
		app := mustConnectPod(t, pods[1], nats.UserInfo(user, token), rec.option())
		bob := mustConnectPod(t, pods[0], nats.UserInfo("bob", "bob-pw"))
		requireDelivery(t, bob, app, "e2e.app.hello")
		rec.requireViolation(t, app, "publish", "e2e.alice.hello")
	})

	t.Run("password edit reloads", func(t *testing.T) {
		start := time.Now()
		secret.StringData = map[string]string{"auth.json": clientsAuth("alice-pw-2")}
		if err := kc.Update(context.Background(), secret); err != nil {
			t.Fatalf("update Secret: %v", err)
		}
		waitCredentials(t, pods, "alice", "alice-pw-2", "alice-pw")
		t.Logf("every server took the new password %s after the Secret edit", time.Since(start).Round(time.Second))
		requireSurvived(t, before, c.pods())
	})

	t.Run("token rotation", func(t *testing.T) {
		// A new requested lifetime issues a new token at once; rotation at
		// 80% of the lifetime takes the same path (TestTokenRotationAt80Percent).
		start := time.Now()
		c.update(func(s obj) {
			s["auth"].(obj)["serviceAccountTokenExpirationSeconds"] = int64(1200)
		})
		newToken, _ := waitTokenSecret(t, role+"-"+name+"-bound-token", token)
		waitCredentials(t, pods, user, newToken, token)
		t.Logf("every server took the new token %s after the change", time.Since(start).Round(time.Second))
		requireSurvived(t, before, c.pods())
	})
}

// waitTokenSecret waits for the operator's token Secret to hold a token
// other than old, and returns it with its user.
func waitTokenSecret(t *testing.T, name, old string) (token, user string) {
	t.Helper()
	eventually(t, convergeWithin, "token Secret "+name, func() error {
		var s corev1.Secret
		if err := kc.Get(context.Background(), client.ObjectKey{Namespace: env.namespace, Name: name}, &s); err != nil {
			return err
		}
		token, user = string(s.Data["token"]), string(s.Data["user"])
		if token == "" || token == old {
			return errors.New("no new token yet")
		}
		return nil
	})
	return token, user
}

// waitCredentials waits until every server accepts user with password and
// refuses the old one.
func waitCredentials(t *testing.T, pods []corev1.Pod, user, password, old string) {
	t.Helper()
	eventually(t, readyTimeout, fmt.Sprintf("every server takes the new credentials of %s", user), func() error {
		var pending []string
		for _, p := range pods {
			nc, err := connectPod(p, nats.UserInfo(user, password))
			if err != nil {
				pending = append(pending, p.Name+" refuses the new one")
				continue
			}
			nc.Close()
			if nc, err := connectPod(p, nats.UserInfo(user, old)); err == nil {
				nc.Close()
				pending = append(pending, p.Name+" still accepts the old one")
			}
		}
		if len(pending) > 0 {
			return errors.New(strings.Join(pending, ", "))
		}
		return nil
	})
}

//go:build e2e

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
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

// TestTokenRotationAt80Percent: with the shortest lifetime the API server
// grants (10 minutes), the operator replaces the token after 80% of it, and
// every server takes the new one without a restart. It waits about 8
// minutes, so it runs only with E2E_LONG=1.
func TestTokenRotationAt80Percent(t *testing.T) {
	if os.Getenv("E2E_LONG") != "1" {
		t.Skip("waits 8 minutes for a rotation; set E2E_LONG=1")
	}
	t.Parallel()
	const name, role = "e2e-rotate", "e2e-rotate-app"
	createObject(t, &corev1.ServiceAccount{ObjectMeta: meta(role)})
	createObject(t, &unstructured.Unstructured{Object: obj{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsServiceRole",
		"metadata": obj{"name": role, "namespace": env.namespace, "labels": obj{"nats_cluster": name}},
		"spec":     obj{"permissions": obj{"publish": []any{">"}, "subscribe": []any{">"}}},
	}})
	c := createCluster(t, name, obj{
		"size": 2, "version": env.natsVersion,
		"pod":  obj{"enableConfigReload": true},
		"auth": obj{"enableServiceAccounts": true, "serviceAccountTokenExpirationSeconds": int64(600)},
	})
	pods := c.waitReady(2, env.natsVersion)
	secretName := role + "-" + name + "-bound-token"
	token, user := waitTokenSecret(t, secretName, "")
	waitCredentials(t, pods, user, token, "not-the-token")
	before := identities(t, pods)

	var s corev1.Secret
	if err := kc.Get(context.Background(), client.ObjectKey{Namespace: env.namespace, Name: secretName}, &s); err != nil {
		t.Fatal(err)
	}
	renewAt, err := time.Parse(time.RFC3339, s.Annotations["nats.io/token-renew-at"])
	if err != nil {
		t.Fatalf("renew-at annotation: %v", err)
	}
	iat, exp := jwtTimes(t, token)
	if due := iat.Add(exp.Sub(iat) * 8 / 10); renewAt.Sub(due).Abs() > 2*time.Second {
		t.Errorf("renew at %s, want 80%% of the granted lifetime (%s .. %s): %s", renewAt, iat, exp, due)
	}
	var newToken string
	eventually(t, exp.Sub(iat), "a rotated token", func() error {
		newToken, _ = waitTokenSecretOnce(secretName)
		if newToken == "" || newToken == token {
			return errors.New("not rotated yet")
		}
		return nil
	})
	if newIat, _ := jwtTimes(t, newToken); newIat.Before(renewAt.Add(-time.Second)) {
		t.Errorf("the new token was issued at %s, before the renewal was due (%s)", newIat, renewAt)
	}
	waitCredentials(t, pods, user, newToken, token)
	requireSurvived(t, before, c.pods())
}

// jwtTimes returns the issued-at and expiry of a ServiceAccount token.
func jwtTimes(t *testing.T, token string) (iat, exp time.Time) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("token payload: %v", err)
	}
	var claims struct{ Iat, Exp int64 }
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("token claims: %v", err)
	}
	return time.Unix(claims.Iat, 0), time.Unix(claims.Exp, 0)
}

func waitTokenSecretOnce(name string) (token, user string) {
	var s corev1.Secret
	if err := kc.Get(context.Background(), client.ObjectKey{Namespace: env.namespace, Name: name}, &s); err != nil {
		return "", ""
	}
	return string(s.Data["token"]), string(s.Data["user"])
}

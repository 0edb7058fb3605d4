//go:build e2e

package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestCalloutMode: a cluster moves from token Secrets to the auth callout
// and back while clients of a static user keep sending requests. In callout
// mode the role's ServiceAccount connects to every server with a token of
// its own (what the kubelet projects into a client pod), which the sidecar
// beside each server verifies against the API server's issuer keys; the
// role's permissions apply, and a token for another audience, under another
// user name or no token at all are refused. (The token Secrets' tokens stay
// good until they expire: issuer keys cannot see that their Secret is gone,
// docs/auth.md.)
func TestCalloutMode(t *testing.T) {
	t.Parallel()
	const name, role = "e2e-callout", "e2e-callout-app"
	createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-clients"), StringData: map[string]string{
		"auth.json": `{"users": [{"username": "bob", "password": "bob-pw"}]}`,
	}})
	createAppRole(t, role, name)
	c := createCluster(t, name, obj{
		"size": 2, "version": env.natsVersion,
		"pod":  obj{"enableConfigReload": true},
		"auth": obj{"clientsAuthSecret": name + "-clients", "enableServiceAccounts": true},
	})
	pods := c.waitReady(2, env.natsVersion)
	tokenSecret := role + "-" + name + "-bound-token"
	secretToken, user := waitTokenSecret(t, tokenSecret, "")
	waitCredentials(t, pods, user, secretToken, "not-the-token")
	bob := nats.UserInfo("bob", "bob-pw")
	tr := startTraffic(t, pods, "e2e.callout.static", bob)

	setServiceAccountsMode(c, "Callout")
	pods = c.waitReady(2, env.natsVersion)
	eventually(t, convergeWithin, "AuthReady", func() error { return c.condition("AuthReady", "True") })
	eventually(t, convergeWithin, "the token Secret removed", func() error {
		err := kc.Get(context.Background(), client.ObjectKey{Namespace: env.namespace, Name: tokenSecret}, &corev1.Secret{})
		if !apierrors.IsNotFound(err) {
			return fmt.Errorf("still there (%v)", err)
		}
		return nil
	})
	audience := "nats://" + name + "." + env.namespace + ".svc"
	token := requestToken(t, role, audience)

	t.Run("ServiceAccount token", func(t *testing.T) {
		for _, p := range pods {
			eventually(t, convergeWithin, p.Name+" lets the ServiceAccount in", func() error {
				nc, err := connectPod(p, nats.UserInfo(role, token))
				if err != nil {
					return err
				}
				nc.Close()
				return nil
			})
		}
		rec := newErrorRecorder()
		app := mustConnectPod(t, pods[0], nats.UserInfo(role, token), rec.option())
		requireDelivery(t, mustConnectPod(t, pods[1], bob), app, "e2e.app.hello")
		rec.requireViolation(t, app, "publish", "e2e.other.hello")
	})

	t.Run("refusals", func(t *testing.T) {
		for what, opt := range map[string]nats.Option{
			"a token for another audience": nats.UserInfo(role, requestToken(t, role, "nats://elsewhere."+env.namespace+".svc")),
			"the token under another name": nats.UserInfo(role+"-other", token),
			"no credentials":               nats.Name(t.Name()),
		} {
			for _, p := range pods {
				if nc, err := connectPod(p, opt); err == nil {
					nc.Close()
					t.Errorf("%s: %s connected", p.Name, what)
				} else if !errors.Is(err, nats.ErrAuthorization) {
					t.Errorf("%s: %s: got %v, want an authorization violation", p.Name, what, err)
				}
			}
		}
	})

	t.Run("back to token Secrets", func(t *testing.T) {
		setServiceAccountsMode(c, "TokenSecret")
		pods := c.waitReady(2, env.natsVersion)
		newToken, _ := waitTokenSecret(t, tokenSecret, "")
		waitCredentials(t, pods, user, newToken, token)
	})
	tr.requireNoneLost(t, "token Secrets -> callout -> token Secrets")
}

// createAppRole creates a ServiceAccount and its NatsServiceRole on the
// cluster: publish on e2e.app.>, subscribe on e2e.> and inboxes.
func createAppRole(t *testing.T, role, cluster string) {
	t.Helper()
	createObject(t, &corev1.ServiceAccount{ObjectMeta: meta(role)})
	createObject(t, &unstructured.Unstructured{Object: obj{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsServiceRole",
		"metadata": obj{"name": role, "namespace": env.namespace, "labels": obj{"nats_cluster": cluster}},
		"spec":     obj{"permissions": obj{"publish": []any{"e2e.app.>"}, "subscribe": []any{"e2e.>", "_INBOX.>"}}},
	}})
}

// setServiceAccountsMode switches the mode, which adds or removes the
// callout sidecar and so rolls the servers.
func setServiceAccountsMode(c *natsCluster, mode string) {
	c.updateRolling(func(s obj) { s["auth"].(obj)["serviceAccounts"] = obj{"mode": mode} })
}

// requestToken issues a token of the ServiceAccount for audience, as the
// kubelet does for a projected serviceAccountToken volume.
func requestToken(t *testing.T, serviceAccount, audience string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tr, err := cs.CoreV1().ServiceAccounts(env.namespace).CreateToken(ctx, serviceAccount, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{Audiences: []string{audience}, ExpirationSeconds: ptr.To[int64](600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token of %s for %s: %v", serviceAccount, audience, err)
	}
	return tr.Status.Token
}

// TestCalloutWithClientTLS: with client TLS and client certificates
// required, the callout sidecar reaches its server on the pod's loopback
// over TLS with the mounted TLS Secret (whose certificate names only the
// Service) and presents that certificate as its own, so a ServiceAccount
// token over TLS gets exactly the role's permissions.
func TestCalloutWithClientTLS(t *testing.T) {
	t.Parallel()
	const name, role = "e2e-callout-tls", "e2e-callout-tls-app"
	ca := testutil.NewCA(t)
	svc := name + "." + env.namespace + ".svc"
	serverCert, serverKey := ca.Issue(t, svc, svc)
	createObject(t, &corev1.Secret{ObjectMeta: meta(name + "-server"), Data: map[string][]byte{
		"ca.crt": ca.PEM, "tls.crt": serverCert, "tls.key": serverKey,
	}})
	createAppRole(t, role, name)
	c := createCluster(t, name, obj{
		"size": 1, "version": env.natsVersion,
		"auth": obj{"enableServiceAccounts": true, "serviceAccounts": obj{"mode": "Callout"}},
		"tls": obj{"serverSecret": name + "-server", "serverSecretCAFileName": "ca.crt",
			"serverSecretCertFileName": "tls.crt", "serverSecretKeyFileName": "tls.key", "verify": true},
	})
	pods := c.waitReady(1, env.natsVersion)
	clientCert, clientKey := ca.Issue(t, "e2e-app")
	pair, err := tls.X509KeyPair(clientCert, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	mtls := clientTLS(ca, svc)
	mtls.Certificates = []tls.Certificate{pair}
	token := requestToken(t, role, "nats://"+svc)
	creds := []nats.Option{nats.Secure(mtls), nats.UserInfo(role, token)}
	eventually(t, convergeWithin, "the ServiceAccount connects over TLS", func() error {
		nc, err := connectPod(pods[0], creds...)
		if err != nil {
			return err
		}
		nc.Close()
		return nil
	})
	rec := newErrorRecorder()
	app := mustConnectPod(t, pods[0], append(creds, rec.option())...)
	requireDelivery(t, mustConnectPod(t, pods[0], creds...), app, "e2e.app.hello")
	rec.requireViolation(t, app, "publish", "e2e.other.hello")
	if nc, err := connectPod(pods[0], nats.UserInfo(role, token)); err == nil {
		nc.Close()
		t.Error("a client without TLS connected")
	}
}

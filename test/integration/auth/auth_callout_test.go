package auth_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/callout"
	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// TestCalloutModeAndBack: switching a cluster with static users and a
// NatsServiceRole from token Secrets to the callout writes the sidecar's
// keys Secret and a clients.conf that delegates to it, and deletes the
// token Secrets; a real nats-server with that clients.conf and the sidecar
// run from that Secret lets the role's ServiceAccount in with its own
// token, and the static user as before. Switching back issues tokens
// again and removes the callout.
func TestCalloutModeAndBack(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ctx := context.Background()
	ns := cp.Namespace(t, "callout")
	create(t, secret(ns, "clients", map[string]string{"auth.json": `{"users": [{"user": "app", "password": "app-pw"}]}`}))
	create(t, serviceAccount(ns, "orders"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{ClientsAuthSecret: "clients", EnableServiceAccounts: true})
	create(t, nc)
	orders := role(ns, "orders", natsv1alpha2.Permissions{Publish: []string{"orders.>"}})
	create(t, orders)
	deleteAtEnd(t, orders, nc)
	tokenKey := types.NamespacedName{Namespace: ns, Name: resource.TokenSecretName("orders", clusterName)}
	tokenOf(t, ns, "orders")

	setMode(t, nc, natsv1alpha2.ServiceAccountsCallout)
	calloutKey := types.NamespacedName{Namespace: ns, Name: resource.CalloutSecretName(clusterName)}
	keys, authSecret := waitCalloutSecrets(t, nc, "orders")
	if strings.Contains(string(authSecret.Data[auth.KeyClients]), string(keys.Data[auth.CalloutKeyIssuerSeed])) {
		t.Fatal("clients.conf holds the issuer's seed")
	}
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, tokenKey, &corev1.Secret{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("the token Secret of the token-Secret mode is still there (%v)", err)
		}
		return nil
	})
	waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)

	// The pod, as the chart will run it: nats-server with clients.conf, the
	// sidecar with <cluster>-callout mounted.
	srv := startNATS(t, authSecret.Data, "authorization { include \"auth/clients.conf\" }\n")
	mounted := runSidecar(t, srv.ClientURL(), keys, ns)
	token := projectedToken(t, ns, "orders")
	canPublish := publisher(srv.ClientURL(), nats.UserInfo("orders", token))
	testutil.Eventually(t, timeout, func(context.Context) error { return canPublish("orders.new") })
	if err := canPublish("billing.new"); err == nil {
		t.Error("the role's ServiceAccount published outside orders.>")
	}
	// A role edit reaches roles.json, which the sidecar reads again once
	// the kubelet has updated the mounted Secret (here: the test).
	var cur natsv1alpha2.NatsServiceRole
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(orders), &cur); err != nil {
		t.Fatal(err)
	}
	// A patch: the role controller's status writes move the resourceVersion.
	rolePatch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Permissions.Publish = append(cur.Spec.Permissions.Publish, "billing.>")
	if err := cp.Client.Patch(ctx, &cur, rolePatch); err != nil {
		t.Fatal(err)
	}
	keys = waitSecret(t, calloutKey, func(s *corev1.Secret) error {
		if !strings.Contains(string(s.Data[auth.CalloutKeyRoles]), `"billing.`) {
			return errors.New("roles.json does not have the role's new permission yet")
		}
		return nil
	})
	if err := os.WriteFile(filepath.Join(mounted, auth.CalloutKeyRoles), keys.Data[auth.CalloutKeyRoles], 0o600); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, timeout, func(context.Context) error { return canPublish("billing.new") })
	static, err := nats.Connect(srv.ClientURL(), nats.UserInfo("app", "app-pw"))
	if err != nil {
		t.Fatalf("the static user no longer connects: %v", err)
	}
	static.Close()

	setMode(t, nc, natsv1alpha2.ServiceAccountsTokenSecret)
	tokenOf(t, ns, "orders")
	waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if strings.Contains(string(s.Data[auth.KeyClients]), "auth_callout") {
			return errors.New("clients.conf still delegates to the callout")
		}
		return hasUsers("app", "orders")(s)
	})
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, calloutKey, &corev1.Secret{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("the callout Secret is still there (%v)", err)
		}
		return nil
	})
}

// publisher connects to url with opts for each call and publishes to the
// subject; the error is the connect's, or the server's permissions
// violation.
func publisher(url string, opts ...nats.Option) func(subject string) error {
	return func(subject string) error {
		denied := make(chan error, 1)
		c, err := nats.Connect(url, append(opts, nats.MaxReconnects(0),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { denied <- err }))...)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := c.Publish(subject, nil); err != nil {
			return err
		}
		if err := c.FlushTimeout(timeout); err != nil {
			return err
		}
		select {
		case err := <-denied:
			return err
		case <-time.After(time.Second):
			return nil
		}
	}
}

func setMode(t *testing.T, nc *natsv1alpha2.NatsCluster, mode natsv1alpha2.ServiceAccountsMode) {
	t.Helper()
	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(context.Background(), client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Auth.ServiceAccounts = &natsv1alpha2.ServiceAccountsAuth{Mode: mode}
	if err := cp.Client.Patch(context.Background(), &cur, patch); err != nil {
		t.Fatal(err)
	}
}

// runSidecar runs `nats-operator callout` with the callout Secret's keys
// as files, as the sidecar mounts them, connected as the sidecar's user
// (whose permissions clients.conf restricts to requests and replies);
// extraArgs come last (a flag given twice takes its last value).
func runSidecar(t *testing.T, url string, keys *corev1.Secret, ns string, extraArgs ...string) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for k, v := range keys.Data {
		if err := os.WriteFile(filepath.Join(dir, k), v, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cli.Callout(ctx, append([]string{"--server", url, "--user", auth.CalloutUser,
			"--password-file", filepath.Join(dir, auth.CalloutKeyPassword),
			"--issuer-seed-file", filepath.Join(dir, auth.CalloutKeyIssuerSeed),
			"--xkey-seed-file", filepath.Join(dir, auth.CalloutKeyXKeySeed),
			"--roles-file", filepath.Join(dir, auth.CalloutKeyRoles),
			"--cluster", clusterName, "--namespace", ns}, extraArgs...), cp.Config)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("callout sidecar: %v", err)
		}
	})
	return dir
}

// TestCalloutWithClientTLS: with client TLS and client certificates
// required, the pod as the chart renders it works: the server loads the
// rendered nats.conf with the TLS Secret and the auth Secret mounted, the
// sidecar runs with the rendered arguments and reaches its server on the
// loopback over TLS, although the certificate names only the Service, and
// presents that certificate as its client certificate; a ServiceAccount
// token then connects over TLS with exactly the role's permissions.
func TestCalloutWithClientTLS(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "callout-tls")
	ca := testutil.NewCA(t)
	serverCert, serverKey := ca.Issue(t, "nats", clusterName+"."+ns+".svc")
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nats-tls"},
		Data: map[string][]byte{"ca.crt": ca.PEM, "tls.crt": serverCert, "tls.key": serverKey}})
	create(t, serviceAccount(ns, "orders"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true,
		ServiceAccounts: &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout}})
	nc.Spec.TLS = &natsv1alpha2.TLSConfig{ServerSecret: "nats-tls", ServerSecretCAFileName: "ca.crt",
		ServerSecretCertFileName: "tls.crt", ServerSecretKeyFileName: "tls.key", Verify: true}
	create(t, nc)
	orders := role(ns, "orders", natsv1alpha2.Permissions{Publish: []string{"orders.>"}})
	create(t, orders)
	deleteAtEnd(t, orders, nc)
	keys, authSecret := waitCalloutSecrets(t, nc, "orders")

	conf, sidecarArgs := renderedPod(t, nc)
	tlsDir := testutil.MountSecret(t, map[string][]byte{"ca.crt": ca.PEM, "tls.crt": serverCert, "tls.key": serverKey})
	srv := startRenderedNATS(t, authSecret.Data, strings.ReplaceAll(conf, "/etc/nats-server-tls-certs", tlsDir))
	port := strconv.Itoa(srv.Addr().(*net.TCPAddr).Port)
	var args []string
	for _, a := range sidecarArgs[1:] { // [0] is the subcommand
		a = strings.ReplaceAll(a, "/etc/nats-server-tls-certs", tlsDir)
		args = append(args, strings.ReplaceAll(a, "127.0.0.1:4222", "127.0.0.1:"+port))
	}
	if !slices.Contains(args, "tls://127.0.0.1:"+port) || !slices.Contains(args, "--tls-key") {
		t.Fatalf("the rendered sidecar does not reach its server over TLS with a client certificate: %v", sidecarArgs)
	}
	runSidecar(t, "nats://unused", keys, ns, args...)

	client, clientKey := ca.Issue(t, "orders-pod")
	clientPair, err := tls.X509KeyPair(client, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	clientTLS := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, Certificates: []tls.Certificate{clientPair},
		ServerName: clusterName + "." + ns + ".svc"}
	token := projectedToken(t, ns, "orders")
	publish := publisher(srv.ClientURL(), nats.UserInfo("orders", token), nats.Secure(clientTLS))
	testutil.Eventually(t, timeout, func(context.Context) error { return publish("orders.new") })
	if err := publish("billing.new"); err == nil {
		t.Error("the role's ServiceAccount published outside orders.>")
	}
	if _, err := nats.Connect(srv.ClientURL(), nats.UserInfo("orders", token), nats.MaxReconnects(0)); err == nil {
		t.Error("a client without TLS connected")
	}
}

// TestCalloutCertificateWithoutClientAuth: with client verification on,
// a clients' TLS certificate only for server authentication cannot be the
// callout sidecar's client certificate; AuthReady and a Warning Event say
// so and what to issue, and replacing the Secret's certificate clears it.
func TestCalloutCertificateWithoutClientAuth(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ctx := context.Background()
	ns := cp.Namespace(t, "callout-eku")
	ca := testutil.NewCA(t)
	svc := clusterName + "." + ns + ".svc"
	serverOnly, serverOnlyKey := ca.IssueFor(t, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, svc, svc)
	tlsSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nats-tls"},
		Data: map[string][]byte{"ca.crt": ca.PEM, "tls.crt": serverOnly, "tls.key": serverOnlyKey}}
	create(t, tlsSecret)
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true,
		ServiceAccounts: &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout}})
	nc.Spec.TLS = &natsv1alpha2.TLSConfig{ServerSecret: "nats-tls", ServerSecretCAFileName: "ca.crt",
		ServerSecretCertFileName: "tls.crt", ServerSecretKeyFileName: "tls.key", Verify: true}
	create(t, nc)
	deleteAtEnd(t, nc)

	c := waitAuthReady(t, nc, natsv1alpha2.ReasonCalloutCertificateUnusable)
	want := "issue it with the extended key usages server auth and client auth"
	if !strings.Contains(c.Message, "Secret "+ns+"/nats-tls, key tls.crt") || !strings.Contains(c.Message, want) {
		t.Errorf("AuthReady %q does not name the certificate and what to change", c.Message)
	}
	waitEvent(t, nc, corev1.EventTypeWarning, natsv1alpha2.ReasonCalloutCertificateUnusable, want)

	both, bothKey := ca.Issue(t, svc, svc)
	tlsSecret.Data = map[string][]byte{"ca.crt": ca.PEM, "tls.crt": both, "tls.key": bothKey}
	if err := cp.Client.Update(ctx, tlsSecret); err != nil {
		t.Fatal(err)
	}
	waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)
}

// renderedPod renders the chart for the NatsCluster as the API server
// holds it and returns nats.conf and the callout sidecar's arguments.
func renderedPod(t *testing.T, nc *natsv1alpha2.NatsCluster) (conf string, calloutArgs []string) {
	t.Helper()
	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(context.Background(), client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&cur)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetGroupVersionKind(natsv1alpha2.GroupVersion.WithKind("NatsCluster"))
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := r.Render(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var cm corev1.ConfigMap
		if err := yaml.Unmarshal([]byte(doc), &cm); err == nil && cm.Kind == "ConfigMap" {
			conf = cm.Data["nats.conf"]
		}
		var sts appsv1.StatefulSet
		if err := yaml.Unmarshal([]byte(doc), &sts); err == nil && sts.Kind == "StatefulSet" {
			for _, c := range sts.Spec.Template.Spec.Containers {
				if c.Name == "callout" {
					calloutArgs = c.Args
				}
			}
		}
	}
	if conf == "" || len(calloutArgs) == 0 {
		t.Fatalf("the render has no nats.conf or no callout sidecar:\n%s", manifest)
	}
	return conf, calloutArgs
}

// TestCalloutModeNeedsServiceAccounts: the API server refuses the callout
// mode without enableServiceAccounts, saying what to set.
func TestCalloutModeNeedsServiceAccounts(t *testing.T) {
	testutil.Integration(t)
	nc := cluster(cp.Namespace(t, "callout-refused"), &natsv1alpha2.AuthConfig{
		ServiceAccounts: &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout},
	})
	err := cp.Client.Create(context.Background(), nc)
	if err == nil || !strings.Contains(err.Error(), "auth.serviceAccounts.mode Callout requires auth.enableServiceAccounts: true") {
		t.Errorf("err = %v, want the API server to refuse it", err)
	}
}

// TestOperatorWithoutTokenSecrets: the operator, running with exactly the
// rules of config/no-token-secrets (no serviceaccounts/token) and
// --token-secrets=false, serves a callout-mode cluster, and tells the owner
// of a token-Secret-mode cluster what to change instead of failing a
// TokenRequest.
func TestOperatorWithoutTokenSecrets(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "no-tokens")
	user := "nats-operator-" + ns
	grantRules(t, ns, user, noTokenSecretsRules(t))
	cfg := rest.CopyConfig(cp.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	startOperator(t, operatorConfig{namespaces: []string{ns}, restConfig: cfg, withoutHelm: true, noTokenSecrets: true})
	create(t, serviceAccount(ns, "orders"))

	callout := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true,
		ServiceAccounts: &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout}})
	create(t, callout)
	create(t, role(ns, "orders", natsv1alpha2.Permissions{}))
	waitAuthReady(t, callout, natsv1alpha2.ReasonAuthConfigured)

	tokens := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true})
	tokens.Name = "tokens"
	create(t, tokens)
	c := waitAuthReady(t, tokens, natsv1alpha2.ReasonTokenSecretsDisabled)
	if !strings.Contains(c.Message, "set spec.auth.serviceAccounts.mode: Callout") {
		t.Errorf("AuthReady %q does not say what to change", c.Message)
	}
	waitEvent(t, tokens, corev1.EventTypeWarning, natsv1alpha2.ReasonTokenSecretsDisabled, "spec.auth.serviceAccounts.mode: Callout")
}

// noTokenSecretsRules are the operator's rules in config/no-token-secrets.
func noTokenSecretsRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	out, err := exec.Command(filepath.Join(testutil.RepoRoot(), "bin", "kustomize"), "build",
		filepath.Join(testutil.RepoRoot(), "config", "no-token-secrets")).Output()
	if err != nil {
		t.Fatalf("kustomize build config/no-token-secrets (make tools builds bin/kustomize): %v", err)
	}
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var role rbacv1.ClusterRole
		if yaml.Unmarshal([]byte(doc), &role) == nil && role.Kind == "ClusterRole" && strings.HasSuffix(role.Name, "manager-role") {
			for _, r := range role.Rules {
				if slices.Contains(r.Resources, "serviceaccounts/token") {
					t.Fatal("config/no-token-secrets grants serviceaccounts/token")
				}
			}
			return role.Rules
		}
	}
	t.Fatal("config/no-token-secrets has no manager-role")
	return nil
}

// TestCalloutKeysRotate: once the callout keys are CalloutKeyLifetime old
// the operator stages new keys in <cluster>-callout without touching
// clients.conf, and CalloutKeyStaging later makes them current in both
// Secrets, keeping the old ones as the previous generation. A pod's two
// mounts (the sidecar's keys, the server's clients.conf) are updated by the
// kubelet independently; in every order they can be seen together, a real
// nats-server and the sidecar let a client in.
func TestCalloutKeysRotate(t *testing.T) {
	testutil.Integration(t)
	clock := startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "callout-rotate")
	create(t, serviceAccount(ns, "orders"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true,
		ServiceAccounts: &natsv1alpha2.ServiceAccountsAuth{Mode: natsv1alpha2.ServiceAccountsCallout}})
	create(t, nc)
	orders := role(ns, "orders", natsv1alpha2.Permissions{})
	create(t, orders)
	deleteAtEnd(t, orders, nc)
	calloutKey := types.NamespacedName{Namespace: ns, Name: resource.CalloutSecretName(clusterName)}
	hasNext := func(s *corev1.Secret) bool {
		_, ok := s.Data[auth.CalloutNextKeys+auth.CalloutKeyIssuerSeed]
		return ok
	}
	first, oldConf := waitCalloutSecrets(t, nc, "orders")
	old := calloutKeysOf(t, first)

	clock.Advance(resource.CalloutKeyLifetime + time.Minute)
	staged := waitSecret(t, calloutKey, func(s *corev1.Secret) error {
		if !hasNext(s) {
			return errors.New("no next keys staged")
		}
		return nil
	})
	if k := calloutKeysOf(t, staged); k.Issuer != old.Issuer {
		t.Fatalf("staging replaced the current issuer %s with %s", old.Issuer, k.Issuer)
	}
	if conf := waitSecret(t, authKey(nc), func(*corev1.Secret) error { return nil }); !strings.Contains(string(conf.Data[auth.KeyClients]), old.Issuer) {
		t.Fatal("clients.conf changed while the next keys were only staged")
	}

	clock.Advance(resource.CalloutKeyStaging + time.Minute)
	rotated := waitSecret(t, calloutKey, func(s *corev1.Secret) error {
		if k, err := resource.CalloutKeys(s); err != nil || k.Issuer == old.Issuer || hasNext(s) {
			return errors.New("the staged keys are not current yet")
		}
		return nil
	})
	fresh := calloutKeysOf(t, rotated)
	if fresh.XKey == old.XKey || fresh.Password != old.Password {
		t.Errorf("rotation: xkey replaced %v, password kept %v", fresh.XKey != old.XKey, fresh.Password == old.Password)
	}
	newConf := waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if !strings.Contains(string(s.Data[auth.KeyClients]), fresh.Issuer) {
			return errors.New("clients.conf does not name the new issuer yet")
		}
		return nil
	})

	token := projectedToken(t, ns, "orders")
	for what, mounts := range map[string]struct{ conf, keys *corev1.Secret }{
		"before the rotation":           {oldConf, first},
		"sidecar staged, server before": {oldConf, staged},
		"sidecar staged, server after":  {newConf, staged},
		"sidecar after, server before":  {oldConf, rotated},
		"after the rotation":            {newConf, rotated},
	} {
		t.Run(what, func(t *testing.T) {
			srv := startNATS(t, mounts.conf.Data, "authorization { include \"auth/clients.conf\" }\n")
			runSidecar(t, srv.ClientURL(), mounts.keys, ns)
			testutil.Eventually(t, timeout, func(context.Context) error {
				c, err := nats.Connect(srv.ClientURL(), nats.UserInfo("orders", token), nats.MaxReconnects(0))
				if err != nil {
					return err
				}
				c.Close()
				return nil
			})
		})
	}
}

// waitCalloutSecrets waits for <cluster>-callout with usable keys and
// role in roles.json, then for <cluster>-auth whose clients.conf delegates
// to those keys' issuer, and returns both.
func waitCalloutSecrets(t *testing.T, nc *natsv1alpha2.NatsCluster, role string) (keys, authSecret *corev1.Secret) {
	t.Helper()
	keys = waitSecret(t, types.NamespacedName{Namespace: nc.Namespace, Name: resource.CalloutSecretName(nc.Name)}, func(s *corev1.Secret) error {
		if !strings.Contains(string(s.Data[auth.CalloutKeyRoles]), strconv.Quote(role)) {
			return fmt.Errorf("roles.json does not have role %s yet", role)
		}
		_, err := resource.CalloutKeys(s)
		return err
	})
	issuer := calloutKeysOf(t, keys).Issuer
	authSecret = waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if !strings.Contains(string(s.Data[auth.KeyClients]), issuer) {
			return errors.New("clients.conf does not delegate to the callout's issuer yet")
		}
		return nil
	})
	return keys, authSecret
}

func calloutKeysOf(t *testing.T, s *corev1.Secret) *auth.Callout {
	t.Helper()
	k, err := resource.CalloutKeys(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// projectedToken is a token of ServiceAccount sa for the cluster's
// audience, as a projected token volume gives a client pod.
func projectedToken(t *testing.T, ns, sa string) string {
	t.Helper()
	kube, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := kube.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa, &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{Audiences: []string{callout.Audience(clusterName, ns)}, ExpirationSeconds: ptr.To[int64](600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

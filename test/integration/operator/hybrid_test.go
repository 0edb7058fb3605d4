package operator_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestHybridEndToEnd joins the two halves as a pod would see them: the
// nats.conf the Helm reconciler rendered into the ConfigMap and the auth
// files the Go controller wrote into <cluster>-auth, mounted side by side
// and loaded by a real nats-server. The static user from clientsAuthSecret
// and the ServiceAccount user with its TokenRequest token both connect, and
// the role's permissions hold.
func TestHybridEndToEnd(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "hybrid")
	users := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "clients-auth", Namespace: ns},
		StringData: map[string]string{"auth.json": `{"users": [{"username": "static", "password": "static-pw"}]}`}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "nats-user", Namespace: ns}}
	role := &natsv1alpha2.NatsServiceRole{
		ObjectMeta: metav1.ObjectMeta{Name: "nats-user", Namespace: ns, Labels: map[string]string{natsv1alpha2.ClusterLabel: "e2e"}},
		Spec:       natsv1alpha2.ServiceRoleSpec{Permissions: natsv1alpha2.Permissions{Publish: []string{"allowed.>"}, Subscribe: []string{"allowed.>", "_INBOX.>"}}},
	}
	nc := &natsv1alpha2.NatsCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e", Namespace: ns},
		Spec: natsv1alpha2.ClusterSpec{Size: ptr.To[int32](1), Auth: &natsv1alpha2.AuthConfig{
			EnableServiceAccounts: true, ClientsAuthSecret: users.Name, ClientsAuthTimeout: 2,
		}},
	}
	for _, obj := range []client.Object{users, sa, role, nc} {
		if err := cp.Client.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}

	var cm corev1.ConfigMap
	var authSecret, token corev1.Secret
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: "e2e-config"}, &cm); err != nil {
			return err
		}
		if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: resource.TokenSecretName("nats-user", "e2e")}, &token); err != nil {
			return err
		}
		if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: resource.AuthSecretName("e2e")}, &authSecret); err != nil {
			return err
		}
		if !strings.Contains(string(authSecret.Data["clients.conf"]), "nats-user") || len(token.Data["token"]) == 0 {
			return fmt.Errorf("auth Secret not complete yet")
		}
		return nil
	})
	conf := cm.Data[confcheck.ConfigKey]
	if strings.Contains(conf, "static-pw") || strings.Contains(conf, string(token.Data["token"])) {
		t.Fatal("the rendered config holds a credential")
	}

	// The pod's view: the ConfigMap at /etc/nats-config, the auth Secret at
	// /etc/nats-config/auth.
	opts := testutil.NATSOptions(t, conf, authSecret.Data)
	opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, -1
	opts.Cluster.Host, opts.Cluster.Port, opts.Routes = "127.0.0.1", -1, nil
	s := testutil.StartNATS(t, opts)

	static, err := nats.Connect(s.ClientURL(), nats.UserInfo("static", "static-pw"))
	if err != nil {
		t.Fatalf("static user refused: %v", err)
	}
	static.Close()

	testutil.RequireAllowedOnly(t, s.ClientURL(), "nats-user", string(token.Data["token"]))
	if _, err := nats.Connect(s.ClientURL(), nats.UserInfo("nats-user", "not-the-token")); err == nil {
		t.Error("a wrong token was accepted")
	}
}

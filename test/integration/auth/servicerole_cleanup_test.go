package auth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// In cluster-scoped mode a role's ServiceAccounts may live in any
// namespace; each gets a token Secret in its own namespace and its own
// user. Deleting the role leaves no Secret anywhere (nats-operator#321).
func TestRoleAcrossNamespacesAndItsDeletion(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ctx := context.Background()
	ns := cp.Namespace(t, "home")
	apps := cp.Namespace(t, "apps")
	create(t, serviceAccount(ns, "svc"))
	create(t, serviceAccount(apps, "svc"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true})
	r := role(ns, "svc", natsv1alpha2.Permissions{Subscribe: []string{"svc.>"}})
	create(t, nc)
	create(t, r)
	deleteAtEnd(t, r, nc)

	home := tokenOf(t, ns, "svc")
	remote := tokenOf(t, apps, "svc")
	if len(remote.OwnerReferences) != 0 {
		t.Errorf("token Secret in another namespace has owner references %+v: the GC would delete it", remote.OwnerReferences)
	}
	if got := string(remote.Data[resource.UserKey]); got != "svc@"+apps {
		t.Errorf("user of the second ServiceAccount = %q, want svc@%s", got, apps)
	}
	if tr := tokenReview(t, string(remote.Data[resource.TokenKey]), "nats://nats."+apps+".svc"); !tr.Status.Authenticated ||
		tr.Status.User.Username != "system:serviceaccount:"+apps+":svc" {
		t.Errorf("TokenReview of the other namespace's token = %+v", tr.Status)
	}
	conf := waitSecret(t, authKey(nc), hasUsers("svc", "svc@"+apps))
	s := startNATS(t, conf.Data, clientsInclude)
	if err := connect(s, "svc@"+apps, string(remote.Data[resource.TokenKey])); err != nil {
		t.Fatalf("user of the other namespace refused: %v", err)
	}

	// A ServiceAccount deleted: its token Secret and user go, the other stays.
	if err := cp.Client.Delete(ctx, serviceAccount(apps, "svc")); err != nil {
		t.Fatal(err)
	}
	waitGone(t, remote)
	waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if hasUsers("svc@"+apps)(s) == nil {
			return fmt.Errorf("clients.conf still has the user of the deleted ServiceAccount")
		}
		return hasUsers("svc")(s)
	})

	if err := cp.Client.Delete(ctx, r); err != nil {
		t.Fatal(err)
	}
	waitGone(t, home)
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(r), &natsv1alpha2.NatsServiceRole{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("role not gone: %v", err)
		}
		return nil
	})
	after := waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if hasUsers("svc")(s) == nil || hasUsers("svc@"+apps)(s) == nil {
			return fmt.Errorf("clients.conf still has the role's users")
		}
		return nil
	})
	s2 := startNATS(t, after.Data, clientsInclude)
	if err := connect(s2, "svc", string(home.Data[resource.TokenKey])); err == nil {
		t.Error("the deleted role's user is still accepted")
	}
}

// A namespace-scoped operator finds ServiceAccounts without any
// cluster-wide permission (nats-io/k8s#166): it runs here as a user that
// holds config/rbac/generated/role.yaml as a Role in one namespace only.
func TestNamespaceScopedOperatorNeedsNoClusterAccess(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	ns := cp.Namespace(t, "scoped")
	user := "nats-operator-" + ns
	grantGeneratedRole(t, ns, user)
	cfg := rest.CopyConfig(cp.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	startOperator(t, operatorConfig{namespaces: []string{ns}, restConfig: cfg, withoutHelm: true})

	create(t, secret(ns, "clients", map[string]string{"auth.json": `{"users": [{"user": "static", "password": "s"}]}`}))
	create(t, serviceAccount(ns, "svc"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true, ClientsAuthSecret: "clients"})
	r := role(ns, "svc", natsv1alpha2.Permissions{})
	create(t, nc)
	create(t, r)
	deleteAtEnd(t, r, nc)

	tok := tokenOf(t, ns, "svc")
	waitSecret(t, authKey(nc), hasUsers("static", "svc"))
	waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)
	waitEvent(t, nc, corev1.EventTypeNormal, natsv1alpha2.ReasonTokenIssued, "NatsServiceRole svc")

	// The restricted identity really is restricted.
	var sas corev1.ServiceAccountList
	rc, err := client.New(cfg, client.Options{Scheme: cp.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.List(ctx, &sas); !apierrors.IsForbidden(err) {
		t.Fatalf("listing ServiceAccounts in all namespaces as %s: %v, want Forbidden", user, err)
	}
	if err := cp.Client.Delete(ctx, tok); err != nil {
		t.Fatal(err)
	}
	waitSecret(t, types.NamespacedName{Namespace: ns, Name: tok.Name}, func(s *corev1.Secret) error {
		if s.UID == tok.UID {
			return fmt.Errorf("not re-created yet")
		}
		return nil
	})
}

// grantGeneratedRole binds the rules of the generated manager role to user
// in ns only, as config/namespace-scoped does.
func grantGeneratedRole(t *testing.T, ns, user string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "config", "rbac", "generated", "role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &cr); err != nil {
		t.Fatal(err)
	}
	grantRules(t, ns, user, cr.Rules)
}

// grantRules gives user the rules as a Role in ns.
func grantRules(t *testing.T, ns, user string, rules []rbacv1.PolicyRule) {
	t.Helper()
	create(t, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "manager"}, Rules: rules})
	create(t, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "manager"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "manager"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user}},
	})
}

func waitGone(t *testing.T, s *corev1.Secret) {
	t.Helper()
	cp.WaitGone(t, s)
}

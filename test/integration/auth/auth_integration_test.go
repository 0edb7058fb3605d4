package auth_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/natsconf"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// connect says whether user may connect to s with password.
func connect(s *server.Server, user, password string) error {
	nc, err := nats.Connect(s.ClientURL(), nats.UserInfo(user, password), nats.NoReconnect())
	if err != nil {
		return err
	}
	nc.Close()
	return nil
}

func TestServiceAccountUsersAndStaticUsersTogether(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "sa-auth")
	create(t, secret(ns, "clients", map[string]string{"auth.json": `{"users": [{"username": "static", "password": "static-pw"}]}`}))
	create(t, serviceAccount(ns, "nats-user"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true, ClientsAuthSecret: "clients", ClientsAuthTimeout: 3})
	r := role(ns, "nats-user", natsv1alpha2.Permissions{Publish: []string{"allowed.>"}, Subscribe: []string{"allowed.>", "_INBOX.>"}})
	create(t, nc)
	create(t, r)
	deleteAtEnd(t, r, nc)

	tokenSecret := tokenOf(t, ns, "nats-user")
	token := string(tokenSecret.Data[resource.TokenKey])
	authSecret := waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if !strings.Contains(string(s.Data[auth.KeyClients]), natsconf.Quote(token)) {
			return errors.New("clients.conf does not hold the issued token yet")
		}
		return hasUsers("static", "nats-user")(s)
	})

	t.Run("token passes a TokenReview with the cluster's audience", func(t *testing.T) {
		audience := "nats://nats." + ns + ".svc"
		tr := tokenReview(t, token, audience)
		if !tr.Status.Authenticated || tr.Status.User.Username != "system:serviceaccount:"+ns+":nats-user" {
			t.Fatalf("TokenReview = %+v", tr.Status)
		}
		if got := tr.Status.Audiences; len(got) != 1 || got[0] != audience {
			t.Errorf("audiences = %v", got)
		}
		if string(tokenSecret.Data[resource.UserKey]) != "nats-user" {
			t.Errorf("token Secret user = %q", tokenSecret.Data[resource.UserKey])
		}
	})
	t.Run("Secrets carry the contract's labels and owners", func(t *testing.T) {
		checkContract(t, authSecret, tokenSecret)
	})
	t.Run("a real nats-server enforces the generated config", func(t *testing.T) {
		checkEnforced(t, authSecret.Data, token)
	})
	t.Run("conditions and Events", func(t *testing.T) {
		c := waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)
		if c.Status != metav1.ConditionTrue {
			t.Errorf("AuthReady = %+v", c)
		}
		waitRoleReady(t, r)
		waitEvent(t, nc, corev1.EventTypeNormal, natsv1alpha2.ReasonTokenIssued, "NatsServiceRole nats-user")
	})
	t.Run("no token or password in Events or conditions", func(t *testing.T) {
		checkNoLeaks(t, nc, token, "static-pw")
	})
	t.Run("a steady state writes nothing", func(t *testing.T) {
		// The test operator re-reconciles every second (MaxRequeueAfter):
		// three rounds must leave every object it writes untouched.
		objs := []client.Object{&corev1.Secret{}, &corev1.Secret{}, &natsv1alpha2.NatsServiceRole{}}
		keys := []client.ObjectKey{authKey(nc), client.ObjectKeyFromObject(tokenSecret), client.ObjectKeyFromObject(r)}
		versions := func() []string {
			var out []string
			for i, o := range objs {
				if err := cp.Client.Get(context.Background(), keys[i], o); err != nil {
					t.Fatal(err)
				}
				out = append(out, o.GetResourceVersion())
			}
			return out
		}
		before := versions()
		time.Sleep(3 * time.Second)
		if after := versions(); !slices.Equal(before, after) {
			t.Errorf("resourceVersions moved from %v to %v without any change", before, after)
		}
	})
}

func checkContract(t *testing.T, authSecret, tokenSecret *corev1.Secret) {
	t.Helper()
	for _, l := range []string{natsv1alpha2.LabelManagedBy, natsv1alpha2.LabelCluster, natsv1alpha2.LabelApp} {
		if authSecret.Labels[l] == "" || tokenSecret.Labels[l] == "" {
			t.Errorf("label %s missing: %v / %v", l, authSecret.Labels, tokenSecret.Labels)
		}
	}
	if ref := metav1.GetControllerOf(authSecret); ref == nil || ref.Kind != "NatsCluster" || ref.Name != clusterName {
		t.Errorf("%s controller = %+v", authSecret.Name, ref)
	}
	if refs := tokenSecret.OwnerReferences; len(refs) != 1 || refs[0].Kind != "NatsServiceRole" {
		t.Errorf("token Secret in the role's namespace: owners %+v, want the role", refs)
	}
	if !strings.Contains(string(authSecret.Data[auth.KeyClients]), "timeout: 3\n") {
		t.Errorf("clientsAuthTimeout not applied:\n%s", authSecret.Data[auth.KeyClients])
	}
}

// checkEnforced loads clients.conf into a real nats-server: the role user
// may publish inside its subjects only, the static user is accepted too.
func checkEnforced(t *testing.T, files map[string][]byte, token string) {
	t.Helper()
	s := startNATS(t, files, clientsInclude)
	testutil.RequireAllowedOnly(t, s.ClientURL(), "nats-user", token)
	if err := connect(s, "static", "static-pw"); err != nil {
		t.Fatalf("static user of clientsAuthSecret refused next to the ServiceAccount user: %v", err)
	}
	if err := connect(s, "nats-user", "not-the-token"); err == nil {
		t.Fatal("wrong password accepted")
	}
}

func waitRoleReady(t *testing.T, r *natsv1alpha2.NatsServiceRole) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var cur natsv1alpha2.NatsServiceRole
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(r), &cur); err != nil {
			return err
		}
		for _, c := range cur.Status.Conditions {
			if c.Type == natsv1alpha2.ServiceRoleConditionReady && c.Status == metav1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("role conditions %+v", cur.Status.Conditions)
	})
}

// checkNoLeaks looks for secret values in the Events of the namespace and
// the cluster's conditions.
func checkNoLeaks(t *testing.T, nc *natsv1alpha2.NatsCluster, secrets ...string) {
	t.Helper()
	ctx := context.Background()
	var events corev1.EventList
	if err := cp.Client.List(ctx, &events, client.InNamespace(nc.Namespace)); err != nil {
		t.Fatal(err)
	}
	var cur natsv1alpha2.NatsCluster
	if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range events.Items {
		texts = append(texts, e.Message)
	}
	for _, c := range cur.Status.Conditions {
		texts = append(texts, c.Message)
	}
	if len(events.Items) == 0 {
		t.Fatal("no Events to check")
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret leaks into %q", text)
			}
		}
	}
}

func TestEditedClientsAuthSecretChangesConfig(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "edit")
	src := secret(ns, "clients", map[string]string{"clients-auth.json": `{"users": [{"user": "alice", "password": "a"}]}`})
	create(t, src)
	nc := cluster(ns, &natsv1alpha2.AuthConfig{ClientsAuthSecret: "clients"})
	create(t, nc)
	deleteAtEnd(t, nc)
	waitSecret(t, authKey(nc), hasUsers("alice"))

	src.StringData = map[string]string{"clients-auth.json": `{"users": [{"user": "alice", "password": "a"}, {"user": "bob", "password": "b2", "permissions": {"subscribe": {"allow": ["b.>"], "deny": ["b.secret"]}}}]}`}
	if err := cp.Client.Update(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	after := waitSecret(t, authKey(nc), hasUsers("alice", "bob"))
	s := startNATS(t, after.Data, clientsInclude)
	if err := connect(s, "bob", "b2"); err != nil {
		t.Fatalf("user added to clientsAuthSecret refused: %v", err)
	}
	waitEvent(t, nc, corev1.EventTypeNormal, natsv1alpha2.ReasonAuthSecretUpdated, "updated")
}

// routesOf loads routes.conf of <cluster>-auth into nats-server's options.
func routesOf(t *testing.T, s *corev1.Secret) []*url.URL {
	t.Helper()
	o := &server.Options{}
	if err := o.ProcessConfigString(auth.Wrap(auth.RoutesBlock, string(s.Data[auth.KeyRoutes]))); err != nil {
		t.Fatalf("routes.conf: %v", err)
	}
	return o.Routes
}

func TestRouteAndGatewayAuth(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "routes")
	const password = "p@ss:w/rd %+$x"
	create(t, secret(ns, "routes", map[string]string{"auth.json": `{"username": "route user", "password": "` + password + `"}`}))
	create(t, secret(ns, "gateways", map[string]string{"auth.json": `{"user": "gw", "password": "gw-pw"}`}))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{ClusterAuthSecret: "routes", ClusterAuthTimeout: 2, GatewayAuthSecret: "gateways"})
	nc.Spec.GatewayConfig = &natsv1alpha2.GatewayConfig{Name: "east", Port: 7522}
	create(t, nc)
	deleteAtEnd(t, nc)
	s := waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		for _, k := range []string{auth.KeyCluster, auth.KeyRoutes, auth.KeyGateway} {
			if len(s.Data[k]) == 0 {
				return fmt.Errorf("no %s yet", k)
			}
		}
		return nil
	})
	if _, ok := s.Data[auth.KeyClients]; ok {
		t.Error("clients.conf written without clientsAuthSecret or enableServiceAccounts")
	}
	routes := routesOf(t, s)
	if len(routes) != 1 || routes[0].Host != fmt.Sprintf("%s-0.%s-mgmt.%s.svc:6222", nc.Name, nc.Name, ns) {
		t.Fatalf("routes.conf of a 1-server cluster: %v", routes)
	}

	// Two servers route to each other with the credentials of routes.conf;
	// the seed checks them with cluster.conf.
	clusterConf := func(routes string) string {
		return "cluster {\n  name: nats\n  listen: 127.0.0.1:-1\n  authorization { include \"auth/cluster.conf\" }\n" + routes + "}\n"
	}
	seed := startNATS(t, s.Data, clusterConf(""))
	toSeed := *routes[0]
	toSeed.Host = seed.ClusterAddr().String()
	peer := startNATS(t, s.Data, clusterConf("  routes: [\""+toSeed.String()+"\"]\n"))
	testutil.Eventually(t, timeout, func(context.Context) error {
		if seed.NumRoutes() == 0 || peer.NumRoutes() == 0 {
			return errors.New("no route between the servers")
		}
		return nil
	})

	// A scale changes routes.conf, which the servers reload, and nothing
	// the pod template reads (see render's TestScaleKeepsThePodTemplate).
	patch := client.MergeFrom(nc.DeepCopy())
	nc.Spec.Size = ptr.To[int32](3)
	if err := cp.Client.Patch(context.Background(), nc, patch); err != nil {
		t.Fatal(err)
	}
	s = waitSecret(t, authKey(nc), func(s *corev1.Secret) error {
		if n := strings.Count(string(s.Data[auth.KeyRoutes]), "nats://"); n != 3 {
			return fmt.Errorf("routes.conf has %d routes, want 3", n)
		}
		return nil
	})
	for i, u := range routesOf(t, s) {
		if p, _ := u.User.Password(); u.User.Username() != "route user" || p != password || !strings.HasPrefix(u.Host, fmt.Sprintf("%s-%d.", nc.Name, i)) {
			t.Errorf("route %d: %s with user %q", i, u.Host, u.User.Username())
		}
	}
	startNATS(t, s.Data, "gateway {\n  name: east\n  listen: 127.0.0.1:-1\n  authorization { include \"auth/gateway.conf\" }\n}\n")
	waitAuthReady(t, nc, natsv1alpha2.ReasonAuthConfigured)
}

// TestPausedClusterKeepsItsCredentialsCurrent: spec.paused stops rollouts
// (the Helm half renders nothing), not credentials: an edited clients
// Secret still reaches <cluster>-auth, which the servers reload without a
// restart, and tokens keep being rotated before they expire, so pausing a
// cluster never locks its clients out.
func TestPausedClusterKeepsItsCredentialsCurrent(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "paused")
	src := secret(ns, "clients", map[string]string{"clients-auth.json": `{"users": [{"user": "alice", "password": "a"}]}`})
	create(t, src)
	nc := cluster(ns, &natsv1alpha2.AuthConfig{ClientsAuthSecret: "clients"})
	nc.Spec.Paused = true
	create(t, nc)
	deleteAtEnd(t, nc)
	waitSecret(t, authKey(nc), hasUsers("alice"))
	src.StringData = map[string]string{"clients-auth.json": `{"users": [{"user": "alice", "password": "a"}, {"user": "bob", "password": "b"}]}`}
	if err := cp.Client.Update(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	waitSecret(t, authKey(nc), hasUsers("alice", "bob"))
}

package callout_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	"github.com/go-logr/logr/funcr"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	authnclient "k8s.io/client-go/kubernetes/typed/authentication/v1"
	"k8s.io/utils/ptr"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/callout"
	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

const cluster = "nats"

// fixture is a NATS server that delegates client authentication to the
// callout service, in front of the real API server.
type fixture struct {
	ns, url string
	kube    *kubernetes.Clientset
	service *callout.Service
}

// verifiers are the two ways to check a token: both must give the same
// answers.
var verifiers = []string{"TokenReview", "IssuerKeys"}

func verifier(t testing.TB, kube *kubernetes.Clientset, kind, audience string) callout.TokenVerifier {
	t.Helper()
	if kind == "TokenReview" {
		return &callout.TokenReviews{Client: kube.AuthenticationV1(), Audience: audience}
	}
	v, err := callout.DiscoverIssuerKeys(context.Background(), callout.RESTGetter{Client: kube.RESTClient()}, audience)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func start(t *testing.T, verify string) *fixture { return startFixture(t, verify, nil) }

// startFixture starts the server and the callout service; roles, when not
// nil, replaces reading the NatsServiceRoles from the API server.
func startFixture(t testing.TB, verify string, roles callout.RoleSource) *fixture {
	t.Helper()
	testutil.Integration(t)
	ns := cp.Namespace(t, "callout")
	kube, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	xkey, err := nkeys.CreateCurveKeys()
	if err != nil {
		t.Fatal(err)
	}
	issuerPub, _ := issuer.PublicKey()
	xkeyPub, _ := xkey.PublicKey()
	conf := `listen: "127.0.0.1:-1"
authorization {
  users: [ {user: callout, password: "callout-pw"}, {user: static, password: "static-pw"} ]
  auth_callout {
    issuer: "` + issuerPub + `"
    auth_users: [ callout, static ]
    xkey: "` + xkeyPub + `"
  }
}
`
	srv := startServer(t, conf)
	svc := &callout.Service{
		Issuer: issuer, XKey: xkey, Account: "$G", Namespace: ns,
		Verifier: verifier(t, kube, verify, callout.Audience(cluster, ns)),
		Roles:    roles,
	}
	if roles == nil {
		svc.Roles = callout.Roles{Reader: cp.Client, Cluster: cluster}
	}
	nc, err := nats.Connect(srv.ClientURL(), nats.UserInfo("callout", "callout-pw"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Serve(ctx, nc) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("callout service: %v", err)
		}
		nc.Close()
	})
	return &fixture{ns: ns, url: srv.ClientURL(), kube: kube, service: svc}
}

// serviceAccount creates a ServiceAccount and, if perms is not nil, its
// NatsServiceRole on the cluster; it returns a token for audience.
func (f *fixture) serviceAccount(t testing.TB, ns, name string, perms *natsv1alpha2.Permissions, audience string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := f.kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if perms != nil {
		role := &natsv1alpha2.NatsServiceRole{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{natsv1alpha2.ClusterLabel: cluster}},
			Spec:       natsv1alpha2.ServiceRoleSpec{Permissions: *perms},
		}
		if err := cp.Client.Create(ctx, role); err != nil {
			t.Fatal(err)
		}
	}
	return f.token(t, ns, name, audience)
}

// token mints a token of a ServiceAccount for audience.
func (f *fixture) token(t testing.TB, ns, name, audience string) string {
	t.Helper()
	tr, err := f.kube.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), name, &authnv1.TokenRequest{
		Spec: authnv1.TokenRequestSpec{Audiences: []string{audience}, ExpirationSeconds: ptr.To[int64](600)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tr.Status.Token
}

// TestServiceAccountTokensConnect: a client connects with its ServiceAccount
// token (user = its NatsServiceRole, or the token alone) and gets exactly
// the role's permissions; static users bypass the callout.
func TestServiceAccountTokensConnect(t *testing.T) {
	for _, verify := range verifiers {
		t.Run(verify, func(t *testing.T) {
			f := start(t, verify)
			token := f.serviceAccount(t, f.ns, "orders", &natsv1alpha2.Permissions{
				Publish: []string{"orders.>"}, Subscribe: []string{"orders.>", "_INBOX.>"},
			}, callout.Audience(cluster, f.ns))

			for name, opt := range map[string]nats.Option{
				"user and token as password": nats.UserInfo("orders", token),
				"token alone":                nats.Token(token),
			} {
				t.Run(name, func(t *testing.T) {
					violations := make(chan error, 4)
					nc, err := nats.Connect(f.url, opt, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { violations <- err }))
					if err != nil {
						t.Fatal(err)
					}
					defer nc.Close()
					sub, err := nc.SubscribeSync("orders.new")
					if err != nil {
						t.Fatal(err)
					}
					if err := nc.Publish("orders.new", []byte("1")); err != nil {
						t.Fatal(err)
					}
					if _, err := sub.NextMsg(5 * time.Second); err != nil {
						t.Errorf("the role allows orders.>, no message: %v", err)
					}
					if err := nc.Publish("billing.new", []byte("1")); err != nil {
						t.Fatal(err)
					}
					_ = nc.Flush()
					select {
					case err := <-violations:
						if !errors.Is(err, nats.ErrPermissionViolation) || !strings.Contains(err.Error(), "billing.new") {
							t.Errorf("publish outside the role: %v", err)
						}
					case <-time.After(5 * time.Second):
						t.Error("a publish outside the role's subjects was not refused")
					}
				})
			}

			static, err := nats.Connect(f.url, nats.UserInfo("static", "static-pw"))
			if err != nil {
				t.Fatalf("a static user of clientsAuthSecret (auth_users) no longer connects: %v", err)
			}
			static.Close()
		})
	}
}

// TestRefusedTokens: a token for another audience, of a ServiceAccount
// without a NatsServiceRole, of another namespace, under another user name,
// or no token at all, is refused, each for its own reason.
func TestRefusedTokens(t *testing.T) {
	for _, verify := range verifiers {
		t.Run(verify, func(t *testing.T) {
			f := start(t, verify)
			perms := &natsv1alpha2.Permissions{}
			other := cp.Namespace(t, "callout-other")
			aud := callout.Audience(cluster, f.ns)
			tests := []struct {
				name, user, password, reason string
			}{
				{"other audience", "api", f.serviceAccount(t, f.ns, "api", perms, "https://kubernetes.default.svc"), "not valid for " + aud},
				{"no role", "norole", f.serviceAccount(t, f.ns, "norole", nil, aud), "has no NatsServiceRole for this cluster"},
				{"other namespace", "intruder", f.serviceAccount(t, other, "intruder", perms, aud), "only ServiceAccounts of namespace " + f.ns},
				{"another's name", "admin", f.serviceAccount(t, f.ns, "impostor", perms, aud), `the token is ServiceAccount impostor's`},
				{"not a token", "orders", "hunter2", "not valid for " + aud},
				{"no token at all", "orders", "", "no ServiceAccount token"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					nc, err := nats.Connect(f.url, nats.UserInfo(tt.user, tt.password), nats.MaxReconnects(0))
					if err == nil {
						nc.Close()
						t.Fatal("connected")
					}
					if !strings.Contains(err.Error(), "Authorization Violation") {
						t.Errorf("err = %v, want Authorization Violation", err)
					}
					if resp := authorize(t, f, tt.user, tt.password); !strings.Contains(resp.Error, tt.reason) || resp.Jwt != "" {
						t.Errorf("refusal %q (user JWT %q), want the reason %q", resp.Error, resp.Jwt, tt.reason)
					}
				})
			}
			if nc, err := nats.Connect(f.url, nats.UserInfo("static", "wrong"), nats.MaxReconnects(0)); err == nil {
				nc.Close()
				t.Error("a static user connected with a wrong password")
			}
		})
	}
}

// authorize asks the service directly, as nats-server would, and decodes
// its signed answer.
func authorize(t *testing.T, f *fixture, user, password string) *jwt.AuthorizationResponseClaims {
	t.Helper()
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	req := jwt.NewAuthorizationRequestClaims("server")
	req.UserNkey = pub
	req.Server.ID = "server-id"
	req.ConnectOptions.Username, req.ConnectOptions.Password = user, password
	signed, err := f.service.Authorize(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := jwt.DecodeAuthorizationResponseClaims(signed)
	if err != nil {
		t.Fatal(err)
	}
	issuer, _ := f.service.Issuer.PublicKey()
	if resp.Issuer != issuer || resp.Subject != pub || resp.Audience != "server-id" {
		t.Errorf("response issued by %s for %s to %s", resp.Issuer, resp.Subject, resp.Audience)
	}
	return resp
}

// TestUserExpiresWithTheToken: the user JWT the service signs expires when
// the token does, so a client whose token is no longer renewed is
// disconnected by nats-server, without the operator.
func TestUserExpiresWithTheToken(t *testing.T) {
	for _, verify := range verifiers {
		t.Run(verify, func(t *testing.T) {
			f := start(t, verify)
			token := f.serviceAccount(t, f.ns, "orders", &natsv1alpha2.Permissions{}, callout.Audience(cluster, f.ns))
			id, err := f.service.Verifier.Verify(context.Background(), token)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Until(id.Expires); d < 9*time.Minute || d > 10*time.Minute {
				t.Fatalf("token expires in %s, want the 10 minutes requested", d)
			}
			resp := authorize(t, f, "orders", token)
			if resp.Error != "" {
				t.Fatalf("refused: %s", resp.Error)
			}
			uc, err := jwt.DecodeUserClaims(resp.Jwt)
			if err != nil {
				t.Fatal(err)
			}
			if uc.Expires != id.Expires.Unix() || uc.Audience != "$G" || uc.Subject != resp.Subject || uc.Name != "orders" {
				t.Errorf("user JWT %s expires %d (token %d), audience %q, subject %q", uc.Name, uc.Expires, id.Expires.Unix(), uc.Audience, uc.Subject)
			}
		})
	}
}

// TestIssuerKeysTradeOff: offline verification refuses a token forged with
// another key under the real key's id, and an expired one; what it cannot
// see is revocation: after its ServiceAccount is deleted, TokenReview
// refuses the token at once, the issuer keys only at its expiry (the
// trade-off docs/auth.md describes).
func TestIssuerKeysTradeOff(t *testing.T) {
	f := start(t, "IssuerKeys")
	aud := callout.Audience(cluster, f.ns)
	token := f.serviceAccount(t, f.ns, "orders", &natsv1alpha2.Permissions{}, aud)
	offline := verifier(t, f.kube, "IssuerKeys", aud).(*callout.IssuerKeys)
	online := verifier(t, f.kube, "TokenReview", aud)
	ctx := context.Background()
	if _, err := offline.Verify(ctx, token); err != nil {
		t.Fatal(err)
	}

	forged := forge(t, token)
	if _, err := offline.Verify(ctx, forged); err == nil || !strings.Contains(err.Error(), "not valid") {
		t.Errorf("a token signed by another key under the real key id: %v", err)
	}
	late := &callout.IssuerKeys{Fetch: offline.Fetch, Issuer: offline.Issuer, Audience: aud,
		Now: func() time.Time { return time.Now().Add(11 * time.Minute) }}
	if _, err := late.Verify(ctx, token); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token: %v", err)
	}

	if err := f.kube.CoreV1().ServiceAccounts(f.ns).Delete(ctx, "orders", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 30*time.Second, func(ctx context.Context) error {
		if _, err := online.Verify(ctx, token); err == nil {
			return errors.New("TokenReview still accepts the token of a deleted ServiceAccount")
		}
		return nil
	})
	if _, err := offline.Verify(ctx, token); err != nil {
		t.Errorf("the issuer keys refuse a deleted ServiceAccount's token (%v): the trade-off in docs/auth.md no longer holds", err)
	}
}

// forge signs token's claims with a new RSA key, under the key id of the
// API server's key.
func forge(t *testing.T, token string) string {
	t.Helper()
	parsed, err := josejwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := parsed.UnsafeClaimsWithoutVerification(&claims); err != nil {
		t.Fatal(err)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: parsed.Headers[0].KeyID}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := josejwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCalloutSubcommand: `nats-operator callout`, as the sidecar runs it
// (keys, password and the roles' permissions from files, the cluster from
// flags), lets a ServiceAccount's client in; the server starts after the
// sidecar.
func TestCalloutSubcommand(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "callout-cmd")
	kube, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{ns: ns, kube: kube}
	token := f.serviceAccount(t, ns, "orders", nil, callout.Audience(cluster, ns)) // its role is in roles.json

	dir := t.TempDir()
	issuer, _ := nkeys.CreateAccount()
	xkey, _ := nkeys.CreateCurveKeys()
	issuerSeed, _ := issuer.Seed()
	xkeySeed, _ := xkey.Seed()
	issuerPub, _ := issuer.PublicKey()
	xkeyPub, _ := xkey.PublicKey()
	roles := []byte(`{"orders": {"publish": ["orders.>"]}}`)
	for name, content := range map[string][]byte{"issuer.nk": issuerSeed, "xkey.nk": xkeySeed, "password": []byte("sidecar-pw\n"), "roles.json": roles} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cli.Callout(ctx, []string{
			"--server", "nats://127.0.0.1:" + port, "--password-file", filepath.Join(dir, "password"),
			"--issuer-seed-file", filepath.Join(dir, "issuer.nk"), "--xkey-seed-file", filepath.Join(dir, "xkey.nk"),
			"--roles-file", filepath.Join(dir, "roles.json"), "--cluster", cluster, "--namespace", ns,
		}, cp.Config)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("callout: %v", err)
		}
	})

	conf := `listen: "127.0.0.1:` + port + `"
authorization {
  users: [ {user: nats-callout, password: "sidecar-pw"} ]
  auth_callout { issuer: "` + issuerPub + `", auth_users: [ nats-callout ], xkey: "` + xkeyPub + `" }
}
`
	srv := startServer(t, conf)
	testutil.Eventually(t, 30*time.Second, func(context.Context) error {
		nc, err := nats.Connect(srv.ClientURL(), nats.UserInfo("orders", token), nats.MaxReconnects(0))
		if err != nil {
			return err
		}
		defer nc.Close()
		return nc.Publish("orders.new", []byte("1"))
	})
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// TestRefusalsAreLoggedWithoutTheToken: each refusal is one log line that
// names the reason, and never the token, even when a client puts the token
// in its user name too.
func TestRefusalsAreLoggedWithoutTheToken(t *testing.T) {
	f := start(t, "IssuerKeys")
	var mu sync.Mutex
	var lines []string
	f.service.Log = funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, args)
	}, funcr.Options{})
	token := f.serviceAccount(t, f.ns, "api", &natsv1alpha2.Permissions{}, "https://kubernetes.default.svc")
	if nc, err := nats.Connect(f.url, nats.UserInfo(token, token), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("connected with a token for another audience")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) != 1 || !strings.Contains(lines[0], "connection refused") || !strings.Contains(lines[0], "not valid for "+callout.Audience(cluster, f.ns)) {
		t.Errorf("log %q: want one line naming the reason", lines)
	}
	for _, l := range lines {
		if strings.Contains(l, token) || strings.Contains(l, strings.Split(token, ".")[1]) {
			t.Errorf("the log holds the token: %s", l)
		}
	}
}

// TestRotatedTokenKeepsTheOldConnection: a client that reconnects with its
// rotated token gets in, and its connection with the old token stays up
// (it lasts until the old token's expiry).
func TestRotatedTokenKeepsTheOldConnection(t *testing.T) {
	f := start(t, "IssuerKeys")
	aud := callout.Audience(cluster, f.ns)
	old := f.serviceAccount(t, f.ns, "orders", &natsv1alpha2.Permissions{}, aud)
	first, err := nats.Connect(f.url, nats.UserInfo("orders", old))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	tr, err := f.kube.CoreV1().ServiceAccounts(f.ns).CreateToken(context.Background(), "orders", &authnv1.TokenRequest{
		Spec: authnv1.TokenRequestSpec{Audiences: []string{aud}, ExpirationSeconds: ptr.To[int64](900)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := nats.Connect(f.url, nats.UserInfo("orders", tr.Status.Token))
	if err != nil {
		t.Fatalf("the rotated token: %v", err)
	}
	defer second.Close()
	if err := first.FlushTimeout(5 * time.Second); err != nil || !first.IsConnected() {
		t.Errorf("the connection with the old token dropped: %v", err)
	}
}

// TestClientReadsItsProjectedToken: the client of docs/auth.md reads the
// projected token file at every (re)connect, so after the kubelet replaces
// the file a reconnect authenticates with the new token.
func TestClientReadsItsProjectedToken(t *testing.T) {
	f := start(t, "IssuerKeys")
	aud := callout.Audience(cluster, f.ns)
	path := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(path, []byte(f.serviceAccount(t, f.ns, "orders", &natsv1alpha2.Permissions{}, aud)), 0o600); err != nil {
		t.Fatal(err)
	}
	var used []string
	var mu sync.Mutex
	nc, err := nats.Connect(f.url, nats.UserInfoHandler(func() (string, string) {
		token, _ := os.ReadFile(path)
		mu.Lock()
		used = append(used, string(token))
		mu.Unlock()
		return "orders", string(token)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rotated := f.token(t, f.ns, "orders", aud)
	if err := os.WriteFile(path, []byte(rotated), 0o600); err != nil {
		t.Fatal(err)
	}
	reconnected := make(chan struct{}, 1)
	nc.SetReconnectHandler(func(*nats.Conn) { reconnected <- struct{}{} })
	if err := nc.ForceReconnect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reconnected:
	case <-time.After(10 * time.Second):
		t.Fatal("no reconnect with the rotated token")
	}
	mu.Lock()
	defer mu.Unlock()
	if used[len(used)-1] != rotated {
		t.Error("the reconnect did not use the rotated token")
	}
}

// TestAPIServerOutage: once the API server is unreachable, a token seen
// before is still accepted until it expires (TokenReview's cache), and the
// issuer keys verify even new tokens (the keys are kept); a new token that
// TokenReview cannot check is refused, saying why.
func TestAPIServerOutage(t *testing.T) {
	f := start(t, "IssuerKeys")
	aud := callout.Audience(cluster, f.ns)
	seen := f.serviceAccount(t, f.ns, "orders", &natsv1alpha2.Permissions{}, aud)
	fresh := f.token(t, f.ns, "orders", aud)
	ctx := context.Background()

	down := &outage{TokenReviewsGetter: f.kube.AuthenticationV1()}
	reviews := &callout.TokenReviews{Client: down, Audience: aud}
	keys := verifier(t, f.kube, "IssuerKeys", aud).(*callout.IssuerKeys)
	fetch := keys.Fetch
	keys.Fetch = func(ctx context.Context) ([]byte, error) {
		if down.down {
			return nil, errors.New("connection refused")
		}
		return fetch(ctx)
	}
	for _, v := range []callout.TokenVerifier{reviews, keys} {
		if _, err := v.Verify(ctx, seen); err != nil {
			t.Fatal(err)
		}
	}
	down.down = true
	if _, err := reviews.Verify(ctx, seen); err != nil {
		t.Errorf("TokenReview refuses a token it verified before the outage: %v", err)
	}
	if _, err := reviews.Verify(ctx, fresh); err == nil || !strings.Contains(err.Error(), "verifying the token") {
		t.Errorf("TokenReview with the API server away, a new token: %v", err)
	}
	if _, err := keys.Verify(ctx, fresh); err != nil {
		t.Errorf("the issuer keys refuse a new token while the API server is away: %v", err)
	}
}

// outage is a TokenReview client whose API server goes away.
type outage struct {
	authnclient.TokenReviewsGetter
	down bool
}

func (o *outage) TokenReviews() authnclient.TokenReviewInterface {
	if o.down {
		return failingReviews{o.TokenReviewsGetter.TokenReviews()}
	}
	return o.TokenReviewsGetter.TokenReviews()
}

type failingReviews struct {
	authnclient.TokenReviewInterface
}

func (failingReviews) Create(context.Context, *authnv1.TokenReview, metav1.CreateOptions) (*authnv1.TokenReview, error) {
	return nil, errors.New("dial tcp 127.0.0.1: connection refused")
}

// startServer runs a nats-server with conf until the test ends.
func startServer(t testing.TB, conf string) *server.Server {
	t.Helper()
	return testutil.StartNATS(t, testutil.NATSOptions(t, conf, nil))
}

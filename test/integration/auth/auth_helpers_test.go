package auth_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/controller"
	"github.com/nats-operator/nats-operator/internal/natsconf"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

// The control plane is shared; every test starts the operator it needs
// (scope, RBAC identity, clock) and works in its own namespaces.
func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

const timeout = 30 * time.Second

// offsetClock is the real clock plus an offset a test moves forward, so
// that tokens fall due without waiting.
type offsetClock struct{ offset atomic.Int64 }

func (c *offsetClock) Now() time.Time                  { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *offsetClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c *offsetClock) Advance(d time.Duration)         { c.offset.Add(int64(d)) }

type operatorConfig struct {
	// namespaces to watch; none means all (cluster-scoped).
	namespaces []string
	// restConfig overrides the admin config, e.g. with a restricted identity.
	restConfig *rest.Config
	// withoutHelm leaves out the Helm reconciler (it needs the Helm role).
	withoutHelm bool
	// noTokenSecrets starts the operator with --token-secrets=false.
	noTokenSecrets bool
}

// startOperator runs the operator until the test ends: the Helm reconciler
// and the auth controllers with a clock the test controls. Cleanups the
// test registers later run while it still runs.
func startOperator(t *testing.T, oc operatorConfig) *offsetClock {
	t.Helper()
	cfg := oc.restConfig
	if cfg == nil {
		cfg = cp.Config
	}
	mgr, err := operator.NewManager(cfg, operator.Options{
		WatchNamespaces: oc.namespaces, MetricsAddr: "0", ProbeAddr: "0", SkipControllerNameValidation: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := operator.LoadWatches(filepath.Join(testutil.RepoRoot(), "watches.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !oc.withoutHelm {
		if err := operator.SetupHelm(mgr, ws, operator.Policy{}); err != nil {
			t.Fatal(err)
		}
	}
	translator, err := operator.Translator(ws, operator.Policy{})
	if err != nil {
		t.Fatal(err)
	}
	clock := &offsetClock{}
	if err := controller.SetupAuth(mgr, controller.AuthOptions{Clock: clock, MaxRequeueAfter: time.Second, Values: translator.Values, NoTokenSecrets: oc.noTokenSecrets}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("operator stopped with error: %v", err)
		}
	})
	return clock
}

// deleteAtEnd deletes objects when the test ends and waits until they are
// gone, so the finalizers run while the test's operator is still up.
func deleteAtEnd(t *testing.T, objs ...client.Object) {
	t.Helper()
	t.Cleanup(func() {
		ctx := context.Background()
		for _, o := range objs {
			if err := cp.Client.Delete(ctx, o); client.IgnoreNotFound(err) != nil {
				t.Errorf("deleting %s: %v", o.GetName(), err)
			}
		}
		for _, o := range objs {
			testutil.Eventually(t, timeout, func(ctx context.Context) error {
				err := cp.Client.Get(ctx, client.ObjectKeyFromObject(o), o)
				if apierrors.IsNotFound(err) {
					return nil
				}
				return fmt.Errorf("%s/%s still exists (finalizers %v): %v", o.GetNamespace(), o.GetName(), o.GetFinalizers(), err)
			})
		}
	})
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := cp.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

func secret(ns, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data}
	return s
}

func serviceAccount(ns, name string) *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}

// clusterName is the name of every test's NatsCluster; each test has its
// own namespace.
const clusterName = "nats"

func cluster(ns string, a *natsv1alpha2.AuthConfig) *natsv1alpha2.NatsCluster {
	return &natsv1alpha2.NatsCluster{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: clusterName},
		Spec:       natsv1alpha2.ClusterSpec{Size: ptr.To[int32](1), Auth: a},
	}
}

func role(ns, name string, p natsv1alpha2.Permissions) *natsv1alpha2.NatsServiceRole {
	return &natsv1alpha2.NatsServiceRole{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{natsv1alpha2.ClusterLabel: clusterName}},
		Spec:       natsv1alpha2.ServiceRoleSpec{Permissions: p},
	}
}

func authKey(nc *natsv1alpha2.NatsCluster) types.NamespacedName {
	return types.NamespacedName{Namespace: nc.Namespace, Name: resource.AuthSecretName(nc.Name)}
}

// waitSecret polls a Secret until check accepts it.
func waitSecret(t *testing.T, key types.NamespacedName, check func(*corev1.Secret) error) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, key, &s); err != nil {
			return err
		}
		return check(&s)
	})
	return &s
}

// hasUsers checks that clients.conf holds these users (quoted names).
func hasUsers(users ...string) func(*corev1.Secret) error {
	return func(s *corev1.Secret) error {
		conf := string(s.Data[auth.KeyClients])
		for _, u := range users {
			if !strings.Contains(conf, "user: "+natsconf.Quote(u)+"\n") {
				return fmt.Errorf("clients.conf has no user %q", u)
			}
		}
		return nil
	}
}

// waitAuthReady waits for AuthReady with this reason and returns it.
func waitAuthReady(t *testing.T, nc *natsv1alpha2.NatsCluster, reason string) natsv1alpha2.Condition {
	t.Helper()
	var got natsv1alpha2.Condition
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var cur natsv1alpha2.NatsCluster
		if err := cp.Client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
			return err
		}
		for _, c := range cur.Status.Conditions {
			if c.Type == natsv1alpha2.ConditionAuthReady {
				got = c
				if c.Reason == reason {
					return nil
				}
			}
		}
		return fmt.Errorf("AuthReady is %+v, want reason %s", got, reason)
	})
	return got
}

// waitEvent waits for an Event on the object with this type and reason,
// whose message contains text.
func waitEvent(t *testing.T, obj client.Object, eventType, reason, text string) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var list corev1.EventList
		if err := cp.Client.List(ctx, &list, client.InNamespace(obj.GetNamespace())); err != nil {
			return err
		}
		for _, e := range list.Items {
			if e.InvolvedObject.Name == obj.GetName() && e.Type == eventType && e.Reason == reason && strings.Contains(e.Message, text) {
				return nil
			}
		}
		return fmt.Errorf("no %s Event %s containing %q on %s", eventType, reason, text, obj.GetName())
	})
}

// tokenOf waits for the token Secret of a role's ServiceAccount in ns.
func tokenOf(t *testing.T, ns, roleName string) *corev1.Secret {
	t.Helper()
	return waitSecret(t, types.NamespacedName{Namespace: ns, Name: resource.TokenSecretName(roleName, clusterName)},
		func(s *corev1.Secret) error {
			if len(s.Data[resource.TokenKey]) == 0 {
				return fmt.Errorf("no token yet")
			}
			return nil
		})
}

// tokenReview asks the API server whether token is valid for audience.
func tokenReview(t *testing.T, token, audience string) *authenticationv1.TokenReview {
	t.Helper()
	tr := &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: token, Audiences: []string{audience}}}
	if err := cp.Client.Create(context.Background(), tr); err != nil {
		t.Fatal(err)
	}
	return tr
}

// startNATS runs a real nats-server on 127.0.0.1 with the Secret's files
// mounted under auth/ and included as the chart does.
func startNATS(t *testing.T, files map[string][]byte, conf string) *server.Server {
	t.Helper()
	return startNATSWith(t, files, "listen: 127.0.0.1:-1\n"+conf, func(*server.Options) {})
}

// startRenderedNATS runs a nats-server from a rendered nats.conf, alone:
// on the loopback, without the routes and monitoring port, which name the
// cluster's Services.
func startRenderedNATS(t *testing.T, files map[string][]byte, conf string) *server.Server {
	t.Helper()
	return startNATSWith(t, files, conf, func(opts *server.Options) {
		opts.Host, opts.Port, opts.HTTPPort = "127.0.0.1", -1, 0
		opts.Cluster.Port, opts.Routes = 0, nil
	})
}

func startNATSWith(t *testing.T, files map[string][]byte, conf string, adjust func(*server.Options)) *server.Server {
	t.Helper()
	opts := testutil.NATSOptions(t, conf, files)
	adjust(opts)
	return testutil.StartNATS(t, opts)
}

const clientsInclude = "authorization { include \"auth/clients.conf\" }\n"

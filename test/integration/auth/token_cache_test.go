package auth_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"k8s.io/client-go/rest"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// getCounter counts the GET requests of one path.
type getCounter struct {
	next http.RoundTripper
	mu   sync.Mutex
	path string
	n    int
}

func (c *getCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if req.Method == http.MethodGet && c.path != "" && strings.TrimSuffix(req.URL.Path, "/") == c.path {
		c.n++
	}
	c.mu.Unlock()
	return c.next.RoundTrip(req)
}

func (c *getCounter) watch(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.path, c.n = path, 0
}

func (c *getCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// TestCurrentTokenSecretsAreReadFromTheCache: once a role's token is
// issued, the reconciles that follow (here for a second role) take it from
// the cache instead of reading it from the API server each time.
func TestCurrentTokenSecretsAreReadFromTheCache(t *testing.T) {
	testutil.Integration(t)
	counter := &getCounter{}
	cfg := rest.CopyConfig(cp.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		counter.next = rt
		return counter
	})
	startOperator(t, operatorConfig{restConfig: cfg})
	ns := cp.Namespace(t, "token-cache")
	create(t, serviceAccount(ns, "first"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true})
	first := role(ns, "first", natsv1alpha2.Permissions{})
	create(t, nc)
	create(t, first)
	token := tokenOf(t, ns, "first")
	waitSecret(t, authKey(nc), holdsToken(string(token.Data[resource.TokenKey]), ""))

	counter.watch("/api/v1/namespaces/" + ns + "/secrets/" + token.Name)
	create(t, serviceAccount(ns, "second"))
	second := role(ns, "second", natsv1alpha2.Permissions{})
	create(t, second)
	deleteAtEnd(t, first, second, nc)
	next := tokenOf(t, ns, "second")
	waitSecret(t, authKey(nc), holdsToken(string(next.Data[resource.TokenKey]), ""))
	if n := counter.count(); n != 0 {
		t.Errorf("the first role's current token Secret was read %d times from the API server, want 0 (cache)", n)
	}
}

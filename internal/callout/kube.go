package callout

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authnclient "k8s.io/client-go/kubernetes/typed/authentication/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// Audience is the token audience of a NatsCluster: a token minted for
// another audience (the API server's own, another cluster's) is refused.
func Audience(cluster, namespace string) string {
	return "nats://" + cluster + "." + namespace + ".svc"
}

// TokenReviews verifies tokens with the API server's TokenReview API, which
// checks the signature, the expiry, the audience and, for a token bound to
// a pod, that the pod still exists. A verified token is remembered until
// it expires, so a reconnect storm costs no API request per connection.
type TokenReviews struct {
	Client   authnclient.TokenReviewsGetter
	Audience string

	mu    sync.Mutex
	known map[[32]byte]Identity
}

// maxRemembered bounds the verified tokens kept; past it, expired ones go,
// then all (they are verified again on use).
const maxRemembered = 10000

// Verify implements TokenVerifier.
func (v *TokenReviews) Verify(ctx context.Context, token string) (Identity, error) {
	key := sha256.Sum256([]byte(token))
	if id, ok := v.remembered(key); ok {
		return id, nil
	}
	review, err := v.Client.TokenReviews().Create(ctx, &authnv1.TokenReview{
		Spec: authnv1.TokenReviewSpec{Token: token, Audiences: []string{v.Audience}},
	}, metav1.CreateOptions{})
	if err != nil {
		return Identity{}, fmt.Errorf("verifying the token: %w", err)
	}
	st := review.Status
	if !st.Authenticated {
		return Identity{}, fmt.Errorf("the token is not valid for %s: %s", v.Audience, st.Error)
	}
	if !slices.Contains(st.Audiences, v.Audience) {
		return Identity{}, fmt.Errorf("the token is not for audience %s", v.Audience)
	}
	ns, sa, ok := serviceAccountOf(st.User.Username)
	if !ok {
		return Identity{}, fmt.Errorf("the token is %q's, not a ServiceAccount's", st.User.Username)
	}
	exp, err := expiryOf(token)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{Namespace: ns, ServiceAccount: sa, Expires: exp}
	v.remember(key, id)
	return id, nil
}

func (v *TokenReviews) remembered(key [32]byte) (Identity, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	id, ok := v.known[key]
	if ok && !id.Expires.After(time.Now()) {
		delete(v.known, key)
		return Identity{}, false
	}
	return id, ok
}

func (v *TokenReviews) remember(key [32]byte, id Identity) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.known == nil {
		v.known = map[[32]byte]Identity{}
	}
	if len(v.known) >= maxRemembered {
		now := time.Now()
		for k, old := range v.known {
			if !old.Expires.After(now) {
				delete(v.known, k)
			}
		}
		if len(v.known) >= maxRemembered {
			v.known = map[[32]byte]Identity{}
		}
	}
	v.known[key] = id
}

// serviceAccountOf splits "system:serviceaccount:<namespace>:<name>".
func serviceAccountOf(username string) (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(username, "system:serviceaccount:")
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	return namespace, name, ok && namespace != "" && name != ""
}

// expiryOf reads the exp claim of a token the API server has just
// verified (so its payload is the server's own).
func expiryOf(token string) (time.Time, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, errors.New("the token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, fmt.Errorf("the token's payload: %w", err)
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp == 0 {
		return time.Time{}, errors.New("the token has no expiry: use a projected or TokenRequest token")
	}
	return time.Unix(claims.Exp, 0), nil
}

// Roles reads the NatsServiceRoles of one NatsCluster: the role named after
// the ServiceAccount, labeled nats_cluster=<cluster>, in the cluster's
// namespace.
type Roles struct {
	Reader  client.Reader
	Cluster string
}

// Permissions implements RoleSource.
func (r Roles) Permissions(ctx context.Context, namespace, serviceAccount string) (*auth.Permissions, bool, error) {
	var role natsv1alpha2.NatsServiceRole
	err := r.Reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: serviceAccount}, &role)
	if client.IgnoreNotFound(err) != nil {
		return nil, false, fmt.Errorf("reading NatsServiceRole %s/%s: %w", namespace, serviceAccount, err)
	}
	if err != nil || role.Labels[natsv1alpha2.ClusterLabel] != r.Cluster || !role.DeletionTimestamp.IsZero() {
		return nil, false, nil
	}
	return auth.RolePermissions(role.Spec.Permissions), true, nil
}

// RESTGetter is a RawGetter over a client-go REST client.
type RESTGetter struct{ Client rest.Interface }

// GetRaw implements RawGetter.
func (g RESTGetter) GetRaw(ctx context.Context, path string) ([]byte, error) {
	return g.Client.Get().AbsPath(path).DoRaw(ctx)
}

// FileRoles reads the permissions of the cluster's NatsServiceRoles from
// the file the operator keeps in the callout Secret (roles.json: role name
// to permissions), so the sidecar needs no RBAC. The file is read again
// when it changes (the kubelet updates a mounted Secret within a minute).
type FileRoles struct {
	Path string

	mu      sync.Mutex
	modTime time.Time
	size    int64
	roles   map[string]natsv1alpha2.Permissions
}

// Permissions implements RoleSource.
func (r *FileRoles) Permissions(_ context.Context, _, serviceAccount string) (*auth.Permissions, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(); err != nil {
		return nil, false, err
	}
	p, ok := r.roles[serviceAccount]
	if !ok {
		return nil, false, nil
	}
	return auth.RolePermissions(p), true, nil
}

func (r *FileRoles) load() error {
	fi, err := os.Stat(r.Path)
	if err != nil {
		return fmt.Errorf("the roles file: %w", err)
	}
	if r.roles != nil && fi.ModTime().Equal(r.modTime) && fi.Size() == r.size {
		return nil
	}
	raw, err := os.ReadFile(r.Path)
	if err != nil {
		return fmt.Errorf("the roles file: %w", err)
	}
	var roles map[string]natsv1alpha2.Permissions
	if err := json.Unmarshal(raw, &roles); err != nil {
		return fmt.Errorf("the roles file %s: %w", r.Path, err)
	}
	r.roles, r.modTime, r.size = roles, fi.ModTime(), fi.Size()
	return nil
}

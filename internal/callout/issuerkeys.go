package callout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
)

// IssuerKeys verifies ServiceAccount tokens offline, against the API
// server's service-account issuer keys (its OIDC discovery document and
// key set, /openid/v1/jwks, readable by every ServiceAccount by default).
// Unlike TokenReviews it needs no RBAC and no API request per token, and a
// connect keeps working while the API server is away; it cannot tell that
// the pod a token is bound to was deleted, so tokens stay good until they
// expire (docs/auth.md, "Callout mode").
type IssuerKeys struct {
	// Fetch returns the key set (GET /openid/v1/jwks on the API server).
	Fetch func(ctx context.Context) ([]byte, error)
	// Issuer is the API server's --service-account-issuer, the iss claim.
	Issuer   string
	Audience string
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time

	mu        sync.Mutex
	keys      jose.JSONWebKeySet
	fetchedAt time.Time
}

// refetchAfter bounds how often a token naming an unknown key makes the
// verifier fetch the key set again (the API server rotates keys rarely).
const refetchAfter = 10 * time.Second

// leeway is the clock skew tolerated between the API server and the pod.
const leeway = 30 * time.Second

// signatureAlgorithms are those the API server signs tokens with (RSA or
// ECDSA keys).
var signatureAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

// kubernetesClaims is the private claim the API server puts in
// ServiceAccount tokens.
type kubernetesClaims struct {
	K8s struct {
		Namespace      string `json:"namespace"`
		ServiceAccount struct {
			Name string `json:"name"`
		} `json:"serviceaccount"`
	} `json:"kubernetes.io"`
}

// Verify implements TokenVerifier.
func (v *IssuerKeys) Verify(ctx context.Context, token string) (Identity, error) {
	parsed, err := josejwt.ParseSigned(token, signatureAlgorithms)
	if err != nil {
		return Identity{}, fmt.Errorf("the token is not valid for %s: not a signed JWT", v.Audience)
	}
	if len(parsed.Headers) != 1 {
		return Identity{}, fmt.Errorf("the token is not valid for %s: %d signatures", v.Audience, len(parsed.Headers))
	}
	key, err := v.key(ctx, parsed.Headers[0].KeyID)
	if err != nil {
		return Identity{}, err
	}
	var std josejwt.Claims
	var k8s kubernetesClaims
	if err := parsed.Claims(key.Key, &std, &k8s); err != nil {
		return Identity{}, fmt.Errorf("the token is not valid for %s: %v", v.Audience, err)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if std.Expiry == nil {
		return Identity{}, errors.New("the token has no expiry: use a projected or TokenRequest token")
	}
	expected := josejwt.Expected{Issuer: v.Issuer, AnyAudience: josejwt.Audience{v.Audience}, Time: now()}
	if err := std.ValidateWithLeeway(expected, leeway); err != nil {
		return Identity{}, fmt.Errorf("the token is not valid for %s: %v", v.Audience, err)
	}
	ns, sa := k8s.K8s.Namespace, k8s.K8s.ServiceAccount.Name
	if ns == "" || sa == "" || std.Subject != "system:serviceaccount:"+ns+":"+sa {
		return Identity{}, fmt.Errorf("the token is %q's, not a ServiceAccount's", std.Subject)
	}
	return Identity{Namespace: ns, ServiceAccount: sa, Expires: std.Expiry.Time()}, nil
}

// key is the issuer key kid names, fetching the key set when it is not
// known yet (at most every refetchAfter).
func (v *IssuerKeys) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if found := v.keys.Key(kid); len(found) == 1 {
		return found[0], nil
	}
	if time.Since(v.fetchedAt) >= refetchAfter || len(v.keys.Keys) == 0 {
		raw, err := v.Fetch(ctx)
		if err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("fetching the service-account issuer keys: %w", err)
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(raw, &set); err != nil {
			return jose.JSONWebKey{}, fmt.Errorf("the service-account issuer keys: %w", err)
		}
		v.keys, v.fetchedAt = set, time.Now()
	}
	if found := v.keys.Key(kid); len(found) == 1 {
		return found[0], nil
	}
	return jose.JSONWebKey{}, fmt.Errorf("the token is not valid for %s: signed by an unknown key %q", v.Audience, kid)
}

// DiscoverIssuerKeys builds an IssuerKeys verifier from the API server's
// OIDC discovery document, read with rest (the pod's own credentials).
func DiscoverIssuerKeys(ctx context.Context, rest RawGetter, audience string) (*IssuerKeys, error) {
	raw, err := rest.GetRaw(ctx, "/.well-known/openid-configuration")
	if err != nil {
		return nil, fmt.Errorf("reading the API server's service-account issuer: %w", err)
	}
	var discovery struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(raw, &discovery); err != nil || discovery.Issuer == "" {
		return nil, fmt.Errorf("the API server's OIDC discovery document names no issuer (%v)", err)
	}
	return &IssuerKeys{
		// The key set is read from the API server itself, not from
		// jwks_uri, which may name an address only outside the cluster.
		Fetch:    func(ctx context.Context) ([]byte, error) { return rest.GetRaw(ctx, "/openid/v1/jwks") },
		Issuer:   discovery.Issuer,
		Audience: audience,
	}, nil
}

// RawGetter reads a path of the API server.
type RawGetter interface {
	GetRaw(ctx context.Context, path string) ([]byte, error)
}

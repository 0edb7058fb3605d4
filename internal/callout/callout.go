// Package callout is the NATS auth callout service of a NatsCluster in
// ServiceAccount-callout mode: nats-server hands each client connection to
// it, it verifies the client's ServiceAccount token with the API server and
// answers with a user JWT carrying the permissions of the NatsServiceRole of
// that ServiceAccount, which expires with the token. No token is ever
// stored: clients present their kubelet-rotated projected tokens.
package callout

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/nats-operator/nats-operator/internal/auth"
)

// RequestSubject is where nats-server sends authorization requests.
const RequestSubject = "$SYS.REQ.USER.AUTH"

// xkeyHeader carries the server's public curve key on an encrypted request.
const xkeyHeader = "Nats-Server-Xkey"

// Identity is the ServiceAccount a verified token belongs to.
type Identity struct {
	Namespace, ServiceAccount string
	// Expires is when the token expires; the user JWT expires with it.
	Expires time.Time
}

// TokenVerifier verifies a ServiceAccount token for the cluster's audience.
type TokenVerifier interface {
	Verify(ctx context.Context, token string) (Identity, error)
}

// RoleSource finds the permissions the NatsServiceRole named after a
// ServiceAccount grants on this cluster; found is false without such a role.
type RoleSource interface {
	Permissions(ctx context.Context, namespace, serviceAccount string) (perms *auth.Permissions, found bool, err error)
}

// Service answers nats-server's authorization requests for one NatsCluster.
type Service struct {
	// Issuer signs the responses and user JWTs: the account key whose
	// public key is auth_callout.issuer in nats.conf.
	Issuer nkeys.KeyPair
	// XKey, when set, decrypts requests and encrypts responses: its public
	// key is auth_callout.xkey.
	XKey nkeys.KeyPair
	// Keys, when set, replaces Issuer and XKey and is asked at every
	// request, so that rotated keys take effect without a restart.
	Keys KeySource
	// Account is the account users are placed in ("$G", the global
	// account, when nats.conf defines none).
	Account string
	// Namespace is the NatsCluster's: only its ServiceAccounts, through its
	// NatsServiceRoles, get a user.
	Namespace string
	Verifier  TokenVerifier
	Roles     RoleSource
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
	// Log gets one line per refusal with its reason (never the token);
	// authorizations at V(1).
	Log logr.Logger
}

// Serve answers requests on nc until ctx ends.
func (s *Service) Serve(ctx context.Context, nc *nats.Conn) error {
	sub, err := nc.Subscribe(RequestSubject, func(m *nats.Msg) { s.respond(ctx, m) })
	if err != nil {
		return fmt.Errorf("subscribing to %s: %w", RequestSubject, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	// Not connected yet (the server starts after its sidecar): the
	// subscription is sent when the connection comes up.
	if err := nc.Flush(); err != nil && nc.IsConnected() {
		return err
	}
	<-ctx.Done()
	return nil
}

// respond answers one request; a request it cannot even read gets no
// answer, which nats-server counts as a refusal. A request sealed for an
// xkey is answered with the issuer of that xkey's generation: during a key
// rotation the server may name the old keys or the new ones.
func (s *Service) respond(ctx context.Context, m *nats.Msg) {
	generations := s.keys()
	keys := generations[0]
	serverXKey := m.Header.Get(xkeyHeader)
	raw := m.Data
	if serverXKey != "" {
		opened, sealedFor, err := open(generations, raw, serverXKey)
		if err != nil {
			s.Log.Info("authorization request not sealed for this sidecar's xkeys", "error", err.Error())
			return
		}
		raw, keys = opened, sealedFor
	}
	req, err := jwt.DecodeAuthorizationRequestClaims(string(raw))
	if err != nil {
		s.Log.Info("unreadable authorization request", "error", err.Error())
		return
	}
	resp, err := s.authorize(ctx, req, keys.Issuer)
	if err != nil {
		return
	}
	out := []byte(resp)
	if serverXKey != "" {
		if out, err = keys.XKey.Seal(out, serverXKey); err != nil {
			return
		}
	}
	_ = m.Respond(out)
}

// open decrypts a request with the first generation's xkey that can.
func open(generations []KeyPair, sealed []byte, serverXKey string) ([]byte, KeyPair, error) {
	var errs []error
	for _, g := range generations {
		if g.XKey == nil {
			continue
		}
		opened, err := g.XKey.Open(sealed, serverXKey)
		if err == nil {
			return opened, g, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, KeyPair{}, errors.New("the request is sealed, and the sidecar has no xkey")
	}
	return nil, KeyPair{}, errors.Join(errs...)
}

// Authorize is the signed response to one request: a user JWT, or the
// reason for the refusal (which nats-server logs, and the client sees as
// "Authorization Violation").
func (s *Service) Authorize(ctx context.Context, req *jwt.AuthorizationRequestClaims) (string, error) {
	return s.authorize(ctx, req, s.keys()[0].Issuer)
}

// keys are the generations of keys in force now, the current one first.
func (s *Service) keys() []KeyPair {
	static := []KeyPair{{Issuer: s.Issuer, XKey: s.XKey}}
	if s.Keys == nil {
		return static
	}
	generations, err := s.Keys.Generations()
	if err != nil {
		s.Log.Info("reading the callout keys; the previous ones stay in use", "error", err.Error())
		return static
	}
	return generations
}

func (s *Service) authorize(ctx context.Context, req *jwt.AuthorizationRequestClaims, issuer nkeys.KeyPair) (string, error) {
	rc := jwt.NewAuthorizationResponseClaims(req.UserNkey)
	rc.Audience = req.Server.ID
	user, err := s.user(ctx, req, issuer)
	opts := req.ConnectOptions
	secrets := []string{opts.Password, opts.Token}
	if err != nil {
		// The client chose the user name: it could hold the token too.
		rc.Error = auth.Redact(err.Error(), secrets...)
		s.Log.Info("connection refused", "user", auth.Redact(opts.Username, secrets...), "host", req.ClientInformation.Host, "reason", rc.Error)
	} else {
		rc.Jwt = user
		s.Log.V(1).Info("connection authorized", "user", auth.Redact(opts.Username, secrets...), "host", req.ClientInformation.Host)
	}
	return rc.Encode(issuer)
}

// user verifies the client's token and builds its user JWT.
func (s *Service) user(ctx context.Context, req *jwt.AuthorizationRequestClaims, issuer nkeys.KeyPair) (string, error) {
	opts := req.ConnectOptions
	token := opts.Password
	if token == "" {
		token = opts.Token
	}
	if token == "" {
		return "", errors.New("no ServiceAccount token: connect with the token as password (user: the NatsServiceRole) or as token")
	}
	id, err := s.Verifier.Verify(ctx, token)
	if err != nil {
		return "", err
	}
	if id.Namespace != s.Namespace {
		return "", fmt.Errorf("ServiceAccount %s/%s: only ServiceAccounts of namespace %s connect to this cluster", id.Namespace, id.ServiceAccount, s.Namespace)
	}
	if opts.Username != "" && opts.Username != id.ServiceAccount {
		return "", fmt.Errorf("user %q: the token is ServiceAccount %s's, whose user is %q", opts.Username, id.ServiceAccount, id.ServiceAccount)
	}
	perms, found, err := s.Roles.Permissions(ctx, id.Namespace, id.ServiceAccount)
	if err != nil {
		return "", err
	}
	if !found {
		return "", fmt.Errorf("ServiceAccount %s/%s has no NatsServiceRole for this cluster", id.Namespace, id.ServiceAccount)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if !id.Expires.After(now()) {
		return "", fmt.Errorf("the token of ServiceAccount %s/%s has expired", id.Namespace, id.ServiceAccount)
	}
	uc := jwt.NewUserClaims(req.UserNkey)
	uc.Name = id.ServiceAccount
	uc.Audience = s.Account
	uc.Expires = id.Expires.Unix()
	applyPermissions(&uc.Permissions, perms)
	return uc.Encode(issuer)
}

// applyPermissions writes a role's permissions into a user JWT; nil
// permissions leave the user unrestricted, as in the token-Secret mode.
func applyPermissions(out *jwt.Permissions, p *auth.Permissions) {
	if p == nil {
		return
	}
	if p.Publish != nil {
		out.Pub.Allow, out.Pub.Deny = p.Publish.Allow, p.Publish.Deny
	}
	if p.Subscribe != nil {
		// A queue permission is "<subject> <queue>" in both forms.
		out.Sub.Allow, out.Sub.Deny = p.Subscribe.Allow, p.Subscribe.Deny
	}
	if r := p.AllowResponses; r != nil {
		out.Resp = &jwt.ResponsePermission{MaxMsgs: r.MaxMsgs}
		if d, err := time.ParseDuration(strings.TrimSpace(r.Expires)); err == nil {
			out.Resp.Expires = d
		}
		if out.Resp.MaxMsgs == 0 {
			out.Resp.MaxMsgs = 1
		}
	}
}

// KeyPair is one generation of the sidecar's keys: the issuer that signs
// and the xkey that opens requests and seals answers.
type KeyPair struct {
	Issuer, XKey nkeys.KeyPair
}

// KeySource gives the generations of keys in force: the current one (the
// keys clients.conf names once the servers have reloaded) first, then,
// during a rotation, the next or the previous one.
type KeySource interface {
	Generations() ([]KeyPair, error)
}

// FileKeys reads the issuer and xkey seeds from the mounted callout Secret
// and reads them again when the files change: the operator rotates the
// keys, and the kubelet updates the mount. Beside IssuerPath and XKeyPath,
// the files of the same names with the prefixes auth.CalloutNextKeys and
// auth.CalloutPreviousKeys, when present, are the rotation's other
// generation.
type FileKeys struct {
	IssuerPath, XKeyPath string

	mu          sync.Mutex
	stamp       string
	generations []KeyPair
}

// Generations implements KeySource.
func (k *FileKeys) Generations() ([]KeyPair, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var paths []string
	for _, prefix := range []string{"", auth.CalloutNextKeys, auth.CalloutPreviousKeys} {
		paths = append(paths, withPrefix(k.IssuerPath, prefix), withPrefix(k.XKeyPath, prefix))
	}
	stamp, err := fileStamp(paths...)
	if err != nil {
		return nil, err
	}
	if stamp == k.stamp && k.generations != nil {
		return k.generations, nil
	}
	var generations []KeyPair
	for i := 0; i < len(paths); i += 2 {
		issuerPath, xkeyPath := paths[i], paths[i+1]
		if i > 0 && !exists(issuerPath) {
			continue // no rotation under way
		}
		var g KeyPair
		if g.Issuer, err = readSeed(issuerPath); err != nil {
			return nil, err
		}
		if xkeyPath != "" {
			if g.XKey, err = readSeed(xkeyPath); err != nil {
				return nil, err
			}
		}
		generations = append(generations, g)
	}
	k.stamp, k.generations = stamp, generations
	return generations, nil
}

// withPrefix is the file of the same name with prefix, beside p.
func withPrefix(p, prefix string) string {
	if p == "" || prefix == "" {
		return p
	}
	return filepath.Join(filepath.Dir(p), prefix+filepath.Base(p))
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// fileStamp changes when any of the files does (size and modification
// time; the kubelet swaps a Secret's files as a whole).
func fileStamp(paths ...string) (string, error) {
	var b strings.Builder
	for _, p := range paths {
		if p == "" {
			continue
		}
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(&b, "%s:absent;", p)
		case err != nil:
			return "", err
		default:
			fmt.Fprintf(&b, "%s:%d:%d;", p, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String(), nil
}

func readSeed(path string) (nkeys.KeyPair, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(raw))))
	if err != nil {
		return nil, fmt.Errorf("%s: not an nkey seed", path)
	}
	return kp, nil
}

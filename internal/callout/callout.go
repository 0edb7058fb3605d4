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
	"os"
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
// answer, which nats-server counts as a refusal.
func (s *Service) respond(ctx context.Context, m *nats.Msg) {
	issuer, xkey := s.keys()
	serverXKey := m.Header.Get(xkeyHeader)
	raw := m.Data
	if serverXKey != "" {
		if xkey == nil {
			return
		}
		opened, err := xkey.Open(raw, serverXKey)
		if err != nil {
			s.Log.Info("authorization request not sealed for this xkey", "error", err.Error())
			return
		}
		raw = opened
	}
	req, err := jwt.DecodeAuthorizationRequestClaims(string(raw))
	if err != nil {
		s.Log.Info("unreadable authorization request", "error", err.Error())
		return
	}
	resp, err := s.authorize(ctx, req, issuer)
	if err != nil {
		return
	}
	out := []byte(resp)
	if serverXKey != "" {
		if out, err = xkey.Seal(out, serverXKey); err != nil {
			return
		}
	}
	_ = m.Respond(out)
}

// Authorize is the signed response to one request: a user JWT, or the
// reason for the refusal (which nats-server logs, and the client sees as
// "Authorization Violation").
func (s *Service) Authorize(ctx context.Context, req *jwt.AuthorizationRequestClaims) (string, error) {
	issuer, _ := s.keys()
	return s.authorize(ctx, req, issuer)
}

// keys are the issuer and xkey in force now.
func (s *Service) keys() (issuer, xkey nkeys.KeyPair) {
	if s.Keys == nil {
		return s.Issuer, s.XKey
	}
	issuer, xkey, err := s.Keys.Current()
	if err != nil {
		s.Log.Info("reading the callout keys; the previous ones stay in use", "error", err.Error())
		return s.Issuer, s.XKey
	}
	return issuer, xkey
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

// KeySource gives the issuer and xkey in force.
type KeySource interface {
	Current() (issuer, xkey nkeys.KeyPair, err error)
}

// FileKeys reads the issuer and xkey seeds from the mounted callout Secret
// and reads them again when the files change: the operator rotates the
// keys, and the kubelet updates the mount.
type FileKeys struct {
	IssuerPath, XKeyPath string

	mu           sync.Mutex
	stamp        string
	issuer, xkey nkeys.KeyPair
}

// Current implements KeySource.
func (k *FileKeys) Current() (nkeys.KeyPair, nkeys.KeyPair, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	stamp, err := fileStamp(k.IssuerPath, k.XKeyPath)
	if err != nil {
		return nil, nil, err
	}
	if stamp == k.stamp && k.issuer != nil {
		return k.issuer, k.xkey, nil
	}
	issuer, err := readSeed(k.IssuerPath)
	if err != nil {
		return nil, nil, err
	}
	var xkey nkeys.KeyPair
	if k.XKeyPath != "" {
		if xkey, err = readSeed(k.XKeyPath); err != nil {
			return nil, nil, err
		}
	}
	k.stamp, k.issuer, k.xkey = stamp, issuer, xkey
	return issuer, xkey, nil
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
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%s:%d:%d;", p, fi.Size(), fi.ModTime().UnixNano())
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

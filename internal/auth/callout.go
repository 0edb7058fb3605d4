package auth

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"time"
)

// CalloutUser is the NATS user of the callout sidecar (nats-operator
// callout) in ServiceAccount-callout mode.
const CalloutUser = "nats-callout"

// CalloutRequestSubject is where nats-server sends authorization requests;
// the callout user may subscribe to it and reply, nothing else.
const CalloutRequestSubject = "$SYS.REQ.USER.AUTH"

// Callout is the auth_callout side of clients.conf in ServiceAccount-callout
// mode: connections of every user but the static ones go to the sidecar.
type Callout struct {
	// Issuer and XKey are the public keys of the sidecar's account and
	// curve keys (auth_callout.issuer, auth_callout.xkey).
	Issuer, XKey string
	// Password is the sidecar's own password (user CalloutUser).
	Password string
	// RenewAt is when the operator replaces the keys (not part of
	// clients.conf).
	RenewAt time.Time
}

// calloutBlock is auth_callout in an authorization block.
type calloutBlock struct {
	issuer, xkey string
	authUsers    []string
}

func (c *calloutBlock) conf() obj {
	if c == nil {
		return nil
	}
	o := obj{kv{"issuer", c.issuer}, kv{"auth_users", c.authUsers}}
	if c.xkey != "" {
		o = append(o, kv{"xkey", c.xkey})
	}
	return o
}

// withCallout adds the sidecar's user to a (merged) clients authorization
// and delegates every other connection to it: the static users of
// clientsAuthSecret are auth_users, which bypass the callout, as does the
// sidecar itself.
func withCallout(a *Authorization, c Callout) (*Authorization, error) {
	out := *a
	out.Users = slices.Clone(a.Users)
	if out.Token != "" {
		return nil, conflictf("clientsAuthSecret uses token auth, which nats-server cannot combine with the auth callout of " +
			"serviceAccounts.mode Callout: replace the token by a users entry")
	}
	singleUserToUsers(&out)
	out.Users = slices.DeleteFunc(out.Users, func(u User) bool { return u.User == LockedUser.User })
	for _, u := range out.Users {
		if u.User == CalloutUser {
			return nil, conflictf("clientsAuthSecret defines the user %q, which the auth callout sidecar uses: rename it", CalloutUser)
		}
	}
	out.Users = append(out.Users, User{User: CalloutUser, Password: c.Password, Permissions: &Permissions{
		Subscribe:      &SubjectPermission{Allow: []string{CalloutRequestSubject}},
		Publish:        &SubjectPermission{Deny: []string{">"}},
		AllowResponses: &ResponsePermission{},
	}})
	block := &calloutBlock{issuer: c.Issuer, xkey: c.XKey}
	for _, u := range out.Users {
		if u.User != "" {
			block.authUsers = append(block.authUsers, u.User)
		} else {
			block.authUsers = append(block.authUsers, u.Nkey)
		}
	}
	out.callout = block
	return &out, nil
}

// The keys of the callout Secret <cluster>-callout, which only the callout
// sidecar mounts (at CalloutDir): the seeds of its issuer account and xkey
// and its password. The NATS container sees the public keys only, in
// clients.conf.
const (
	CalloutKeyIssuerSeed = "issuer.nk"
	CalloutKeyXKeySeed   = "xkey.nk"
	CalloutKeyPassword   = "password"
	CalloutDir           = "/etc/nats-callout"
)

// During a key rotation <cluster>-callout holds a second generation of the
// seeds, under the same keys with one of these prefixes: first the next
// keys, staged before clients.conf names them, then, once it does, the
// previous ones. The sidecar answers with either generation, so the two
// Secret mounts of a pod (the sidecar's keys, the server's clients.conf),
// which the kubelet updates independently, never disagree.
const (
	CalloutNextKeys     = "next-"
	CalloutPreviousKeys = "previous-"
)

// CalloutKeyRoles is the key of <cluster>-callout with the permissions of
// the cluster's NatsServiceRoles (JSON, role name to permissions), which
// the sidecar reads instead of the API server.
const CalloutKeyRoles = "roles.json"

// CalloutClientCertificate reports why the certificate of the clients' TLS
// Secret (PEM, the first certificate) cannot be the callout sidecar's
// client certificate, which it presents to its server when the server
// verifies clients (spec.tls.verify); nil when it can: its extended key
// usages include client authentication, or it has none.
func CalloutClientCertificate(certPEM []byte) error {
	block, rest := pem.Decode(certPEM)
	for block != nil && block.Type != "CERTIFICATE" {
		block, rest = pem.Decode(rest)
	}
	if block == nil {
		return errors.New("holds no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("holds no readable certificate: %w", err)
	}
	if len(cert.ExtKeyUsage) == 0 || slices.ContainsFunc(cert.ExtKeyUsage, func(u x509.ExtKeyUsage) bool {
		return u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny
	}) {
		return nil
	}
	return fmt.Errorf("the certificate (%s) is not valid for client authentication, and with spec.tls.verify the callout sidecar presents it to its server: issue it with the extended key usages server auth and client auth", cert.Subject)
}

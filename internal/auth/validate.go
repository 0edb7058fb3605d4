package auth

import (
	"errors"
	"sort"
	"strings"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/nats-operator/nats-operator/internal/natsconf"
)

// Block says which block a fragment is the body of.
type Block int

// The blocks of <cluster>-auth.
const (
	// ClientsBlock: the top-level authorization block (clients.conf).
	ClientsBlock Block = iota
	// ClusterBlock: cluster { authorization { } } (cluster.conf).
	ClusterBlock
	// GatewayBlock: gateway { authorization { } } (gateway.conf).
	GatewayBlock
	// RoutesBlock: cluster { } (routes.conf).
	RoutesBlock
)

// Wrap puts a fragment into the smallest config that nats-server loads the
// way the chart includes it.
func Wrap(b Block, body string) string {
	auth := "authorization {\n" + body + "}\n"
	switch b {
	case ClusterBlock:
		return "cluster {\n  name: \"validate\"\n  port: 6222\n" + auth + "}\n"
	case GatewayBlock:
		return "gateway {\n  name: \"validate\"\n  port: 7222\n" + auth + "}\n"
	case RoutesBlock:
		return "cluster {\n  name: \"validate\"\n  port: 6222\n" + body + "}\n"
	default:
		return auth
	}
}

// Validate runs a fragment through nats-server's own config parser and
// option processing. Warnings (e.g. a timeout above 60 seconds) do not
// stop nats-server from starting, so they are not errors here. secrets
// are cut out of the message: the parser may quote what it read.
func Validate(b Block, body string, secrets ...string) error {
	o := &server.Options{}
	err := o.ProcessConfigString(Wrap(b, body))
	if err == nil {
		return nil
	}
	var multi interface{ Errors() []error }
	if errors.As(err, &multi) && len(multi.Errors()) == 0 {
		return nil
	}
	return &inputError{class: ErrRefused, msg: "nats-server refuses the generated config: " + Redact(strings.TrimSpace(err.Error()), secrets...)}
}

// Redact replaces every secret that occurs in msg by "[redacted]", the
// longest first so that a secret containing another is cut whole.
func Redact(msg string, secrets ...string) string {
	s := make([]string, 0, len(secrets))
	for _, v := range secrets {
		if v != "" {
			s = append(s, v)
		}
	}
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	for _, v := range s {
		msg = strings.ReplaceAll(msg, v, "[redacted]")
		if q := natsconf.Quote(v); q != `"`+v+`"` {
			msg = strings.ReplaceAll(msg, q[1:len(q)-1], "[redacted]")
		}
	}
	return msg
}

// Secrets lists the passwords and tokens of a block, for Redact.
func (a *Authorization) Secrets() []string {
	s := []string{a.Password, a.Token}
	for _, u := range a.Users {
		s = append(s, u.Password)
	}
	return s
}

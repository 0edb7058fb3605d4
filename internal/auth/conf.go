package auth

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-operator/nats-operator/internal/natsconf"
)

// kv is one key of a NATS config map; obj keeps the keys in the order the
// encoder chose, so the output is deterministic and a no-op reconcile
// writes nothing.
type kv struct {
	k string
	v any
}

type obj []kv

// Body renders the block body of clients.conf: key: value lines with no
// surrounding braces.
func (a *Authorization) Body() string { return body(a.conf()) }

// Body renders the body of a route or gateway authorization block.
func (c *Credentials) Body() string { return body(c.conf()) }

func (a *Authorization) conf() obj {
	var o obj
	if a.Timeout > 0 {
		o = append(o, kv{"timeout", a.Timeout})
	}
	if a.User != "" || a.Password != "" {
		o = append(o, kv{"user", a.User}, kv{"password", a.Password})
	}
	if a.Token != "" {
		o = append(o, kv{"token", a.Token})
	}
	if p := a.DefaultPermissions.conf(); p != nil {
		o = append(o, kv{"default_permissions", p})
	}
	if len(a.Users) > 0 {
		users := make([]obj, 0, len(a.Users))
		for i := range a.Users {
			users = append(users, a.Users[i].conf())
		}
		o = append(o, kv{"users", users})
	}
	if c := a.callout.conf(); c != nil {
		o = append(o, kv{"auth_callout", c})
	}
	return o
}

func (u *User) conf() obj {
	var o obj
	if u.Nkey != "" {
		o = append(o, kv{"nkey", u.Nkey})
	} else {
		o = append(o, kv{"user", u.User}, kv{"password", u.Password})
	}
	if p := u.Permissions.conf(); p != nil {
		o = append(o, kv{"permissions", p})
	}
	if u.AllowedConnectionTypes != nil {
		o = append(o, kv{"allowed_connection_types", u.AllowedConnectionTypes})
	}
	return o
}

func (p *Permissions) conf() obj {
	if p == nil {
		return nil
	}
	o := obj{}
	if v := p.Publish.conf(); v != nil {
		o = append(o, kv{"publish", v})
	}
	if v := p.Subscribe.conf(); v != nil {
		o = append(o, kv{"subscribe", v})
	}
	if r := p.AllowResponses; r != nil {
		if r.MaxMsgs == 0 && r.Expires == "" {
			o = append(o, kv{"allow_responses", true})
		} else {
			var ro obj
			if r.MaxMsgs != 0 {
				ro = append(ro, kv{"max", r.MaxMsgs})
			}
			if r.Expires != "" {
				ro = append(ro, kv{"expires", r.Expires})
			}
			o = append(o, kv{"allow_responses", ro})
		}
	}
	return o
}

// conf writes the short list form when there is nothing to deny, the
// {allow, deny} form otherwise, and nothing for an empty permission (which
// nats-server reads as "everything").
func (s *SubjectPermission) conf() any {
	switch {
	case s == nil || (len(s.Allow) == 0 && len(s.Deny) == 0):
		return nil
	case len(s.Deny) == 0:
		return s.Allow
	}
	var o obj
	if len(s.Allow) > 0 {
		o = append(o, kv{"allow", s.Allow})
	}
	return append(o, kv{"deny", s.Deny})
}

func (c *Credentials) conf() obj {
	o := obj{{"user", c.User}, {"password", c.Password}}
	if c.Timeout > 0 {
		o = append(o, kv{"timeout", c.Timeout})
	}
	return o
}

func body(o obj) string {
	var b strings.Builder
	for _, e := range o {
		b.WriteString(e.k)
		b.WriteString(": ")
		writeValue(&b, e.v, "")
		b.WriteByte('\n')
	}
	return b.String()
}

func writeValue(b *strings.Builder, v any, indent string) {
	inner := indent + "  "
	switch v := v.(type) {
	case string:
		b.WriteString(natsconf.Quote(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case []string:
		b.WriteByte('[')
		for i, s := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(natsconf.Quote(s))
		}
		b.WriteByte(']')
	case obj:
		b.WriteString("{\n")
		for _, e := range v {
			fmt.Fprintf(b, "%s%s: ", inner, e.k)
			writeValue(b, e.v, inner)
			b.WriteByte('\n')
		}
		b.WriteString(indent + "}")
	case []obj:
		b.WriteString("[\n")
		for _, o := range v {
			b.WriteString(inner)
			writeValue(b, o, inner)
			b.WriteByte('\n')
		}
		b.WriteString(indent + "]")
	default:
		panic(fmt.Sprintf("auth: no NATS encoding for %T", v))
	}
}

package auth

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// Permissions of a user, as in nats-server's permissions block.
type Permissions struct {
	Publish   *SubjectPermission
	Subscribe *SubjectPermission
	// AllowResponses lets the user reply to requests it received.
	AllowResponses *ResponsePermission
}

// SubjectPermission allows and denies subjects; deny wins over allow.
type SubjectPermission struct {
	Allow []string
	Deny  []string
}

// ResponsePermission is allow_responses: a number of replies (0: the
// server's default of 1) within Expires ("": the server's default).
type ResponsePermission struct {
	MaxMsgs int
	Expires string
}

// parsePermissions reads a permissions object: publish and subscribe each
// take a subject, a list of subjects, or {allow, deny}; allow_responses
// takes true/false or {max, expires}.
func parsePermissions(path string, raw json.RawMessage) (*Permissions, error) {
	p := &Permissions{}
	err := decodeObject(path, raw, []field{
		{names: []string{"publish", "pub"}, set: func(path string, raw json.RawMessage) (err error) {
			p.Publish, err = parseSubjectPermission(path, raw, false)
			return err
		}},
		{names: []string{"subscribe", "sub"}, set: func(path string, raw json.RawMessage) (err error) {
			p.Subscribe, err = parseSubjectPermission(path, raw, true)
			return err
		}},
		{names: []string{"allow_responses", "publish_allow_responses"}, set: func(path string, raw json.RawMessage) (err error) {
			p.AllowResponses, err = parseResponsePermission(path, raw)
			return err
		}},
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func parseSubjectPermission(path string, raw json.RawMessage, queues bool) (*SubjectPermission, error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		list, err := subjects(path, raw)
		if err != nil {
			return nil, invalidf("%s: expected a subject, a list of subjects, or {\"allow\": [...], \"deny\": [...]}", path)
		}
		return &SubjectPermission{Allow: list}, checkSubjects(path, list, queues)
	}
	sp := &SubjectPermission{}
	err := decodeObject(path, raw, []field{
		{names: []string{"allow"}, set: setStrings(&sp.Allow)},
		{names: []string{"deny"}, set: setStrings(&sp.Deny)},
	})
	if err != nil {
		return nil, err
	}
	if err := checkSubjects(path+".allow", sp.Allow, queues); err != nil {
		return nil, err
	}
	return sp, checkSubjects(path+".deny", sp.Deny, queues)
}

// checkSubjects applies nats-server's rule for permission subjects: a
// valid subject, or for subscribe also "subject queue".
func checkSubjects(path string, list []string, queues bool) error {
	for i, s := range list {
		if server.IsValidSubject(s) {
			continue
		}
		if f := strings.Fields(s); queues && len(f) == 2 && server.IsValidSubject(f[0]) && server.IsValidSubject(f[1]) {
			continue
		}
		return invalidf("%s[%d]: not a valid subject (tokens separated by '.', no empty token or whitespace; '*' and '>' as whole tokens)", path, i)
	}
	return nil
}

func parseResponsePermission(path string, raw json.RawMessage) (*ResponsePermission, error) {
	var on bool
	if err := json.Unmarshal(raw, &on); err == nil {
		if !on {
			return nil, nil
		}
		return &ResponsePermission{}, nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return nil, invalidf("%s: expected true, false or {\"max\": n, \"expires\": \"1m\"}", path)
	}
	rp := &ResponsePermission{}
	err := decodeObject(path, raw, []field{
		{names: []string{"max", "max_msgs", "max_messages", "max_responses"}, set: func(path string, raw json.RawMessage) error {
			if err := json.Unmarshal(raw, &rp.MaxMsgs); err != nil {
				return invalidf("%s: expected an integer", path)
			}
			return nil
		}},
		{names: []string{"expires", "expiration", "ttl"}, set: func(path string, raw json.RawMessage) error {
			if err := json.Unmarshal(raw, &rp.Expires); err != nil {
				return invalidf("%s: expected a duration such as \"1m\"", path)
			}
			if _, err := time.ParseDuration(rp.Expires); err != nil {
				return invalidf("%s: expected a duration such as \"1m\"", path)
			}
			return nil
		}},
	})
	if err != nil {
		return nil, err
	}
	return rp, nil
}

// RolePermissions converts a NatsServiceRole's permissions. nil means the
// role sets none, so the user gets the default permissions of
// clientsAuthSecret if any, else everything.
func RolePermissions(p natsv1alpha2.Permissions) *Permissions {
	out := &Permissions{}
	var deny natsv1alpha2.DenyPermissions
	if p.Deny != nil {
		deny = *p.Deny
	}
	if len(p.Publish) > 0 || len(deny.Publish) > 0 {
		out.Publish = &SubjectPermission{Allow: p.Publish, Deny: deny.Publish}
	}
	if len(p.Subscribe) > 0 || len(deny.Subscribe) > 0 {
		out.Subscribe = &SubjectPermission{Allow: p.Subscribe, Deny: deny.Subscribe}
	}
	if p.AllowResponses {
		out.AllowResponses = &ResponsePermission{}
	}
	if out.Publish == nil && out.Subscribe == nil && out.AllowResponses == nil {
		return nil
	}
	return out
}

// fullAccess is what a single user/password had before it was turned into
// a users entry: everything, whatever default_permissions say.
func fullAccess() *Permissions {
	return &Permissions{
		Publish:   &SubjectPermission{Allow: []string{">"}},
		Subscribe: &SubjectPermission{Allow: []string{">"}},
	}
}

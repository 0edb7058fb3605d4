package auth

import (
	"encoding/json"
	"fmt"
)

// Authorization is a client authorization block: the JSON of
// clientsAuthSecret (nats-operator's format) and what clients.conf holds.
type Authorization struct {
	// User and Password: a single user, exclusive with Users and Token.
	User     string
	Password string
	// Token: token auth, exclusive with users.
	Token string
	// Timeout in seconds; 0 leaves the server default.
	Timeout float64
	Users   []User
	// DefaultPermissions apply to the users without permissions.
	DefaultPermissions *Permissions
	// callout delegates the other connections to the callout sidecar
	// (withCallout).
	callout *calloutBlock
}

// User is one entry of users: a user and password, or an nkey.
type User struct {
	User                   string
	Password               string
	Nkey                   string
	Permissions            *Permissions
	AllowedConnectionTypes []string
}

// Credentials are a route or gateway authorization: one user and password.
type Credentials struct {
	User     string
	Password string
	Timeout  float64
}

// ParseClients reads the JSON of clientsAuthSecret:
//
//	{"username"|"user": "...", "password"|"pass": "...", "token": "...",
//	 "timeout": 2,
//	 "users": [{"username"|"user": "u", "password": "p"} | {"nkey": "U..."},
//	           ... with "permissions" and "allowed_connection_types"],
//	 "default_permissions": {"publish": ..., "subscribe": ..., "allow_responses": ...}}
//
// publish and subscribe take a subject, a list, or {"allow": [...], "deny":
// [...]}. Keys are case-insensitive, as for nats-server. Unknown keys are
// errors rather than being dropped, so that a typo never weakens the
// config. "include" (a file path in nats-operator) is refused: use
// spec.auth.clientsAuthFile.
func ParseClients(raw []byte) (*Authorization, error) {
	a := &Authorization{}
	err := parse(raw, []field{
		{names: []string{"user", "username"}, set: setString(&a.User)},
		{names: []string{"password", "pass"}, set: setString(&a.Password)},
		{names: []string{"token"}, set: setString(&a.Token)},
		{names: []string{"timeout"}, set: setTimeout(&a.Timeout)},
		{names: []string{"users"}, set: func(path string, raw json.RawMessage) (err error) {
			a.Users, err = parseUsers(path, raw)
			return err
		}},
		{names: []string{"default_permissions", "default_permission", "permissions"}, set: func(path string, raw json.RawMessage) (err error) {
			a.DefaultPermissions, err = parsePermissions(path, raw)
			return err
		}},
		{names: []string{"include"}, set: unsupported("a file include cannot be resolved from a Secret: use spec.auth.clientsAuthFile for a file")},
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func parseUsers(path string, raw json.RawMessage) ([]User, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, invalidf("%s: expected a list of users", path)
	}
	users := make([]User, 0, len(list))
	for i, item := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		u := User{}
		err := decodeObject(p, item, []field{
			{names: []string{"user", "username"}, set: setString(&u.User)},
			{names: []string{"password", "pass"}, set: setString(&u.Password)},
			{names: []string{"nkey"}, set: setString(&u.Nkey)},
			{names: []string{"permissions", "permission", "authorization"}, set: func(path string, raw json.RawMessage) (err error) {
				u.Permissions, err = parsePermissions(path, raw)
				return err
			}},
			{names: []string{"allowed_connection_types", "connection_types", "clients"}, set: setStrings(&u.AllowedConnectionTypes)},
		})
		if err != nil {
			return nil, err
		}
		switch {
		case u.Nkey == "" && u.User == "":
			return nil, invalidf("%s: a user needs \"user\" (with \"password\") or \"nkey\"", p)
		case u.Nkey != "" && (u.User != "" || u.Password != ""):
			return nil, invalidf("%s: an nkey user takes no user or password", p)
		}
		users = append(users, u)
	}
	return users, nil
}

// ParseCredentials reads the JSON of clusterAuthSecret or
// gatewayAuthSecret: {"username"|"user": "...", "password"|"pass": "...",
// "timeout": 2}. nats-server refuses tokens and user lists for routes and
// gateways, and the route URLs need both a user and a password.
func ParseCredentials(raw []byte) (*Credentials, error) {
	c := &Credentials{}
	err := parse(raw, []field{
		{names: []string{"user", "username"}, set: setString(&c.User)},
		{names: []string{"password", "pass"}, set: setString(&c.Password)},
		{names: []string{"timeout"}, set: setTimeout(&c.Timeout)},
		{names: []string{"token"}, set: unsupported("nats-server takes no token for routes and gateways: use username and password")},
		{names: []string{"users"}, set: unsupported("nats-server takes a single username and password for routes and gateways, not a list")},
	})
	if err != nil {
		return nil, err
	}
	if c.User == "" || c.Password == "" {
		return nil, invalidf("username and password are both required")
	}
	return c, nil
}

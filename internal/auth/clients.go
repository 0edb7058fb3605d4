package auth

import (
	"slices"
	"sort"
)

// RoleUser is the NATS user of one ServiceAccount of a NatsServiceRole: the
// token is the password.
type RoleUser struct {
	// Role is the NatsServiceRole, for messages.
	Role        string
	User        string
	Password    string
	Permissions *Permissions
}

// LockedUser is the only user of a clients.conf that would otherwise hold
// no identity at all. nats-server reads an authorization block without
// users, token or user as "no authentication", so enableServiceAccounts
// with no role yet, or an empty clientsAuthSecret, would open the cluster
// to everyone. Its password is a bcrypt hash of random bytes that were
// thrown away, and it may neither publish nor subscribe.
var LockedUser = User{
	User:     "nats-operator-no-users",
	Password: "$2a$11$SMWvcwOCmOUa/7rudpO./uk1YMRDlS7rebaVLfAUs6yhPTdew.8He",
	Permissions: &Permissions{
		Publish:   &SubjectPermission{Deny: []string{">"}},
		Subscribe: &SubjectPermission{Deny: []string{">"}},
	},
}

// Clients merges the static authorization of clientsAuthSecret (nil when
// there is none) with the ServiceAccount users, and applies
// clientsAuthTimeout (seconds, 0 keeps the Secret's). Unlike nats-operator,
// where enableServiceAccounts replaced the static users (#170), both are
// kept:
//
//   - static users come first, in their order, then the role users sorted
//     by user name;
//   - a single user/password in the Secret becomes the first users entry
//     when there are role users (nats-server refuses user/password next to
//     a users list), with full permissions so that default_permissions do
//     not start to apply to it;
//   - a token cannot be merged (nats-server refuses a token next to a users
//     list and a token has no user name): ErrConflict;
//   - a user name defined twice is an ErrConflict.
//
// A result without any identity gets LockedUser (see there).
func Clients(static *Authorization, roles []RoleUser, timeout int) (*Authorization, error) {
	out := &Authorization{}
	if static != nil {
		c := *static
		c.Users = slices.Clone(static.Users)
		out = &c
	}
	if timeout > 0 {
		out.Timeout = float64(timeout)
	}
	if len(roles) > 0 {
		if out.Token != "" {
			return nil, conflictf("clientsAuthSecret uses token auth, which nats-server cannot combine with the users of " +
				"enableServiceAccounts: replace the token by a users entry, or disable enableServiceAccounts")
		}
		singleUserToUsers(out)
		if err := addRoleUsers(out, roles); err != nil {
			return nil, err
		}
	}
	if out.User == "" && out.Token == "" && len(out.Users) == 0 {
		out.Users = []User{LockedUser}
	}
	return out, nil
}

func addRoleUsers(out *Authorization, roles []RoleUser) error {
	sorted := slices.Clone(roles)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].User < sorted[j].User })
	names := map[string]string{}
	for _, u := range out.Users {
		if u.User != "" {
			names[u.User] = "clientsAuthSecret"
		}
	}
	for _, r := range sorted {
		if by, taken := names[r.User]; taken {
			return conflictf("user %q of NatsServiceRole %s is also defined by %s: rename one of them", r.User, r.Role, by)
		}
		names[r.User] = "NatsServiceRole " + r.Role
		out.Users = append(out.Users, User{User: r.User, Password: r.Password, Permissions: r.Permissions})
	}
	return nil
}

// singleUserToUsers turns a single user/password into the first users
// entry, since nats-server refuses user/password next to a users list;
// with full permissions, so that default_permissions do not start to
// apply to it.
func singleUserToUsers(a *Authorization) {
	if a.User == "" {
		return
	}
	perms := (*Permissions)(nil)
	if a.DefaultPermissions != nil {
		perms = fullAccess()
	}
	a.Users = append([]User{{User: a.User, Password: a.Password, Permissions: perms}}, a.Users...)
	a.User, a.Password = "", ""
}

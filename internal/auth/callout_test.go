package auth

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// TestCalloutClientsConf: in callout mode clients.conf keeps the static
// users (as auth_users, which bypass the callout), adds the sidecar's user
// allowed only to receive requests and reply, and names the sidecar's keys;
// nats-server loads it as such.
func TestCalloutClientsConf(t *testing.T) {
	issuer, _ := nkeys.CreateAccount()
	xkey, _ := nkeys.CreateCurveKeys()
	issuerPub, _ := issuer.PublicKey()
	xkeyPub, _ := xkey.PublicKey()
	callout := &Callout{Issuer: issuerPub, XKey: xkeyPub, Password: "sidecar-secret"}
	tests := []struct {
		name      string
		static    *Authorization
		authUsers []string
	}{
		{"no static users", nil, []string{CalloutUser}},
		{"static users", &Authorization{Users: []User{{User: "app", Password: "app-pw"}}}, []string{"app", CalloutUser}},
		{"a single static user", &Authorization{User: "admin", Password: "admin-pw"}, []string{"admin", CalloutUser}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := Sources{Clients: true, Static: tt.static, Callout: callout}.Files()
			if err != nil {
				t.Fatal(err)
			}
			o := &server.Options{}
			if err := o.ProcessConfigString(Wrap(ClientsBlock, string(files[KeyClients]))); err != nil {
				t.Fatal(err)
			}
			ac := o.AuthCallout
			if ac == nil || ac.Issuer != issuerPub || ac.XKey != xkeyPub || !slices.Equal(ac.AuthUsers, tt.authUsers) {
				t.Fatalf("auth_callout = %+v, want issuer, xkey and auth_users %v", ac, tt.authUsers)
			}
			var sidecar *server.User
			for _, u := range o.Users {
				if u.Username == LockedUser.User {
					t.Error("the locked user is left beside the callout")
				}
				if u.Username == CalloutUser {
					sidecar = u
				}
			}
			if sidecar == nil || sidecar.Password != "sidecar-secret" || sidecar.Permissions == nil ||
				!slices.Equal(sidecar.Permissions.Subscribe.Allow, []string{CalloutRequestSubject}) ||
				!slices.Equal(sidecar.Permissions.Publish.Deny, []string{">"}) || sidecar.Permissions.Response == nil {
				t.Errorf("sidecar user %+v: want only requests in and replies out", sidecar)
			}
		})
	}
}

// TestCalloutConflicts: a static token cannot stand beside the callout,
// and nobody may take the sidecar's user name; the messages say what to
// change and never quote a secret.
func TestCalloutConflicts(t *testing.T) {
	callout := &Callout{Issuer: "AXXX", Password: "sidecar-secret"}
	for name, static := range map[string]*Authorization{
		"token":              {Token: "tok-secret"},
		"the sidecar's name": {Users: []User{{User: CalloutUser, Password: "pw-secret"}}},
	} {
		_, err := Sources{Clients: true, Static: static, Callout: callout}.Files()
		if !errors.Is(err, ErrConflict) {
			t.Errorf("%s: err = %v, want a conflict", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") && !strings.Contains(err.Error(), "clientsAuthSecret") {
			t.Errorf("%s: the message quotes a secret: %v", name, err)
		}
	}
}

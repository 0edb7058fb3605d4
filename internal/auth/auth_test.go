package auth

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/natsconf"
)

func TestSecretKey(t *testing.T) {
	tests := []struct {
		name    string
		keys    []string
		want    string
		wantErr string // substring of the error; "" means no error
	}{
		{name: "single key, any name", keys: []string{"whatever.json"}, want: "whatever.json"},
		{name: "auth.json wins", keys: []string{"a", "auth.json", "clients-auth.json"}, want: "auth.json"},
		{name: "old chart key", keys: []string{"clients-auth.json", "README"}, want: "clients-auth.json"},
		{name: "ambiguous keys are listed", keys: []string{"b", "a"}, wantErr: "2 keys (a, b)"},
		{name: "no data", keys: nil, wantErr: "has no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := map[string][]byte{}
			for _, k := range tt.keys {
				data[k] = []byte("{}")
			}
			// The choice must not depend on map order: ask many times.
			for range 20 {
				got, err := SecretKey(data)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
						t.Fatalf("err = %v, want ErrInvalid containing %q", err, tt.wantErr)
					}
					continue
				}
				if err != nil || got != tt.want {
					t.Fatalf("SecretKey = %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
}

// natsOptions loads a fragment the way the chart includes it and returns
// what nats-server made of it.
func natsOptions(t *testing.T, b Block, body string) *server.Options {
	t.Helper()
	o := &server.Options{}
	if err := o.ProcessConfigString(Wrap(b, body)); err != nil {
		t.Fatalf("nats-server refuses\n%s\n: %v", body, err)
	}
	return o
}

func usersOf(o *server.Options) map[string]*server.User {
	m := map[string]*server.User{}
	for _, u := range o.Users {
		m[u.Username] = u
	}
	return m
}

func TestParseClientsAsNATSReadsIt(t *testing.T) {
	tests := []struct {
		name  string
		json  string
		check func(t *testing.T, o *server.Options)
	}{
		{
			name: "nats-operator example with username and allow/deny",
			json: `{"users": [
				{"username": "admin", "password": "s3cr\"t$HOME\\", "permissions": {"publish": ">", "subscribe": [">"]}},
				{"user": "ro", "pass": "p", "permissions": {"publish": {"deny": [">"]}, "subscribe": {"allow": ["foo.*"], "deny": ["foo.secret"]}}}
			], "default_permissions": {"publish": ["SANDBOX.*"]}, "timeout": 2}`,
			check: func(t *testing.T, o *server.Options) {
				u := usersOf(o)
				if u["admin"] == nil || u["admin"].Password != "s3cr\"t$HOME\\" {
					t.Errorf("admin password not read back verbatim: %+v", u["admin"])
				}
				if got := u["ro"].Permissions.Subscribe; !reflect.DeepEqual(got.Allow, []string{"foo.*"}) || !reflect.DeepEqual(got.Deny, []string{"foo.secret"}) {
					t.Errorf("ro subscribe = %+v", got)
				}
				if got := u["ro"].Permissions.Publish.Deny; !reflect.DeepEqual(got, []string{">"}) {
					t.Errorf("ro publish deny = %v", got)
				}
				if o.AuthTimeout != 2 {
					t.Errorf("timeout = %v", o.AuthTimeout)
				}
			},
		},
		{
			name: "default permissions apply to users without their own",
			json: `{"users": [{"user": "a", "password": "b"}], "default_permissions": {"publish": "x.>", "allow_responses": {"max": 2, "expires": "1m"}}}`,
			check: func(t *testing.T, o *server.Options) {
				p := usersOf(o)["a"].Permissions
				if p == nil || !reflect.DeepEqual(p.Publish.Allow, []string{"x.>"}) || p.Response == nil || p.Response.MaxMsgs != 2 {
					t.Errorf("permissions = %+v", p)
				}
			},
		},
		{
			name: "single user",
			json: `{"username": "u", "password": "p w", "timeout": "3s"}`,
			check: func(t *testing.T, o *server.Options) {
				if o.Username != "u" || o.Password != "p w" || o.AuthTimeout != 3 {
					t.Errorf("user %q password %q timeout %v", o.Username, o.Password, o.AuthTimeout)
				}
			},
		},
		{
			name: "token",
			json: `{"token": "t0k3n"}`,
			check: func(t *testing.T, o *server.Options) {
				if o.Authorization != "t0k3n" {
					t.Errorf("token = %q", o.Authorization)
				}
			},
		},
		{
			name: "nkey user with connection types",
			json: `{"users": [{"nkey": "UDXU4RCSJNZOIQHZNWXHXORDPRTGNJAHAHFRGZNEEJCPQTT2M7NLCNF4", "allowed_connection_types": ["STANDARD"]}]}`,
			check: func(t *testing.T, o *server.Options) {
				if len(o.Nkeys) != 1 || len(o.Nkeys[0].AllowedConnectionTypes) != 1 {
					t.Errorf("nkeys = %+v", o.Nkeys)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseClients([]byte(tt.json))
			if err != nil {
				t.Fatal(err)
			}
			files, err := Sources{Clients: true, Static: a}.Files()
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, natsOptions(t, ClientsBlock, string(files[KeyClients])))
		})
	}
}

func TestParseRefusesBadInputWithoutLeakingIt(t *testing.T) {
	const secret = "hunter2-very-secret"
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{name: "not JSON", json: `{"users": [{"user": "a", "password": ` + secret + `}]}`, wantErr: "not valid JSON: syntax error on line 1"},
		{name: "not an object", json: `["` + secret + `"]`, wantErr: "top level: expected an object"},
		{name: "unknown field", json: `{"userz": [], "password": "` + secret + `"}`, wantErr: `unknown field "userz"`},
		{name: "permission is a number", json: `{"users": [{"user": "a", "password": "` + secret + `", "permissions": {"publish": 42}}]}`, wantErr: "users[0].permissions.publish: expected a subject, a list of subjects, or {"},
		{name: "unknown permission key", json: `{"users": [{"user": "a", "permissions": {"publish": {"allow": ["a"], "maybe": ["b"]}}}]}`, wantErr: `users[0].permissions.publish: unknown field "maybe"`},
		{name: "unknown permission kind", json: `{"default_permissions": {"request": ["a"]}}`, wantErr: `unknown field "request"`},
		{name: "bad allow_responses", json: `{"default_permissions": {"allow_responses": "yes"}}`, wantErr: "expected true, false or"},
		{name: "password is a number", json: `{"users": [{"user": "a", "password": 12345}]}`, wantErr: "users[0].password: expected a string"},
		{name: "nkey and password", json: `{"users": [{"nkey": "UABC", "password": "` + secret + `"}]}`, wantErr: "an nkey user takes no user or password"},
		{name: "user without name", json: `{"users": [{"password": "` + secret + `"}]}`, wantErr: `a user needs "user"`},
		{name: "two spellings", json: `{"user": "a", "username": "b"}`, wantErr: `"user" and "username" are the same field`},
		{name: "include", json: `{"include": "auth.conf"}`, wantErr: "use spec.auth.clientsAuthFile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseClients([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("err %v is not ErrInvalid", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error message leaks the secret: %v", err)
			}
		})
	}
}

func TestParseCredentials(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		want    Credentials
		wantErr string
	}{
		{name: "username and password", json: `{"username": "route", "password": "p@ss:w/rd", "timeout": 1.5}`, want: Credentials{User: "route", Password: "p@ss:w/rd", Timeout: 1.5}},
		{name: "user and pass aliases", json: `{"user": "r", "pass": "p"}`, want: Credentials{User: "r", Password: "p"}},
		{name: "token refused", json: `{"token": "t"}`, wantErr: "takes no token"},
		{name: "users refused", json: `{"users": []}`, wantErr: "not a list"},
		{name: "password required", json: `{"username": "r"}`, wantErr: "both required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCredentials([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || *got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestClientsMerge(t *testing.T) {
	role := func(name string, publish ...string) RoleUser {
		return RoleUser{Role: name, User: name, Password: "tok-" + name,
			Permissions: RolePermissions(natsv1alpha2.Permissions{Publish: publish})}
	}
	tests := []struct {
		name      string
		static    string // clientsAuthSecret JSON; "" means none
		roles     []RoleUser
		timeout   int
		wantUsers []string // user names nats-server ends up with, sorted
		wantErr   error
		check     func(t *testing.T, o *server.Options)
	}{
		{
			name:      "static users and ServiceAccount users together (#170)",
			static:    `{"users": [{"user": "static", "password": "s"}]}`,
			roles:     []RoleUser{role("svc-b", "b.>"), role("svc-a", "a.>")},
			wantUsers: []string{"static", "svc-a", "svc-b"},
			check: func(t *testing.T, o *server.Options) {
				if p := usersOf(o)["svc-a"]; p.Password != "tok-svc-a" || !reflect.DeepEqual(p.Permissions.Publish.Allow, []string{"a.>"}) {
					t.Errorf("svc-a = %+v", p)
				}
			},
		},
		{
			name:      "single user becomes a users entry and keeps full access",
			static:    `{"username": "solo", "password": "pw", "default_permissions": {"publish": "x"}}`,
			roles:     []RoleUser{role("svc")},
			wantUsers: []string{"solo", "svc"},
			check: func(t *testing.T, o *server.Options) {
				u := usersOf(o)
				if !reflect.DeepEqual(u["solo"].Permissions.Publish.Allow, []string{">"}) {
					t.Errorf("solo permissions = %+v", u["solo"].Permissions.Publish)
				}
				if !reflect.DeepEqual(u["svc"].Permissions.Publish.Allow, []string{"x"}) {
					t.Errorf("a role without permissions gets default_permissions, got %+v", u["svc"].Permissions)
				}
			},
		},
		{name: "token cannot be merged", static: `{"token": "t"}`, roles: []RoleUser{role("svc")}, wantErr: ErrConflict},
		{name: "user name taken", static: `{"users": [{"user": "svc", "password": "s"}]}`, roles: []RoleUser{role("svc")}, wantErr: ErrConflict},
		{
			name:      "no identity at all is locked, not open",
			roles:     nil,
			wantUsers: []string{LockedUser.User},
			check: func(t *testing.T, o *server.Options) {
				if p := o.Users[0].Permissions; !reflect.DeepEqual(p.Publish.Deny, []string{">"}) || !reflect.DeepEqual(p.Subscribe.Deny, []string{">"}) {
					t.Errorf("locked user may publish or subscribe: %+v", p)
				}
			},
		},
		{
			name:      "clientsAuthTimeout overrides the Secret",
			static:    `{"users": [{"user": "a", "password": "b"}], "timeout": 2}`,
			timeout:   7,
			wantUsers: []string{"a"},
			check: func(t *testing.T, o *server.Options) {
				if o.AuthTimeout != 7 {
					t.Errorf("timeout = %v", o.AuthTimeout)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var static *Authorization
			if tt.static != "" {
				var err error
				if static, err = ParseClients([]byte(tt.static)); err != nil {
					t.Fatal(err)
				}
			}
			files, err := Sources{Clients: true, Static: static, Roles: tt.roles, ClientsTimeout: tt.timeout}.Files()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := natsOptions(t, ClientsBlock, string(files[KeyClients]))
			var names []string
			for _, u := range o.Users {
				names = append(names, u.Username)
			}
			sort.Strings(names)
			if !reflect.DeepEqual(names, tt.wantUsers) {
				t.Errorf("users = %v, want %v", names, tt.wantUsers)
			}
			if tt.check != nil {
				tt.check(t, o)
			}
			again, _ := Sources{Clients: true, Static: static, Roles: tt.roles, ClientsTimeout: tt.timeout}.Files()
			if string(again[KeyClients]) != string(files[KeyClients]) {
				t.Errorf("output is not deterministic")
			}
		})
	}
}

func TestRoleAllowDenyAndResponses(t *testing.T) {
	p := RolePermissions(natsv1alpha2.Permissions{
		Subscribe:      []string{"req.>"},
		Deny:           &natsv1alpha2.DenyPermissions{Publish: []string{"admin.>"}},
		AllowResponses: true,
	})
	files, err := Sources{Clients: true, Roles: []RoleUser{{Role: "r", User: "r", Password: "t", Permissions: p}}}.Files()
	if err != nil {
		t.Fatal(err)
	}
	got := usersOf(natsOptions(t, ClientsBlock, string(files[KeyClients])))["r"].Permissions
	if !reflect.DeepEqual(got.Publish.Deny, []string{"admin.>"}) || got.Response == nil ||
		!reflect.DeepEqual(got.Subscribe.Allow, []string{"req.>"}) {
		t.Errorf("permissions = pub %+v sub %+v resp %+v", got.Publish, got.Subscribe, got.Response)
	}
	if RolePermissions(natsv1alpha2.Permissions{}) != nil {
		t.Errorf("a role without permissions must have none, so that defaults apply")
	}
}

func TestRouteAndGatewayFiles(t *testing.T) {
	const password = "p@ss:w/rd %+$x"
	files, err := Sources{
		Cluster:        &Credentials{User: "route user", Password: password, Timeout: 1},
		ClusterTimeout: 4,
		Routes:         Routes{Servers: []string{"nats-0.nats-mgmt.ns.svc:6222", "nats-1.nats-mgmt.ns.svc:6222"}, Extra: []string{"nats://other:7244"}},
		Gateway:        &Credentials{User: "gw", Password: "g"},
	}.Files()
	if err != nil {
		t.Fatal(err)
	}
	o := natsOptions(t, ClusterBlock, string(files[KeyCluster]))
	if o.Cluster.Username != "route user" || o.Cluster.Password != password || o.Cluster.AuthTimeout != 4 {
		t.Errorf("cluster auth = %q %q %v", o.Cluster.Username, o.Cluster.Password, o.Cluster.AuthTimeout)
	}
	routes := natsOptions(t, RoutesBlock, string(files[KeyRoutes])).Routes
	if len(routes) != 3 || routes[2].String() != "nats://other:7244" {
		t.Fatalf("routes.conf = %q: want both servers with credentials, then the extra route as given", files[KeyRoutes])
	}
	for _, u := range routes[:2] {
		if p, _ := u.User.Password(); u.User.Username() != "route user" || p != password {
			t.Errorf("route URL %s: userinfo reads back as %q %q", u.Host, u.User.Username(), p)
		}
	}
	g := natsOptions(t, GatewayBlock, string(files[KeyGateway]))
	if g.Gateway.Username != "gw" || g.Gateway.Password != "g" {
		t.Errorf("gateway auth = %q %q", g.Gateway.Username, g.Gateway.Password)
	}
	if _, ok := files[KeyClients]; ok {
		t.Errorf("clients.conf written although neither clientsAuthSecret nor enableServiceAccounts is set")
	}
}

func TestQuoteReadsBackVerbatim(t *testing.T) {
	for _, s := range []string{
		`plain`, `with "quotes" and \backslash\`, "tab\tnewline\ncr\r", `$HOME ${X} $(Y)`,
		"ünïcødé ☃", "ctl\x01\x1f\x7f", "not utf8 \xff\xfe", `include "x"`, "}{][#//",
	} {
		body := "users: [{user: \"u\", password: " + natsconf.Quote(s) + "}]\n"
		o := natsOptions(t, ClientsBlock, body)
		if got := o.Users[0].Password; got != s {
			t.Errorf("Quote(%q) reads back as %q", s, got)
		}
	}
}

func TestValidateRefusesAndRedacts(t *testing.T) {
	files, err := Sources{Clients: true, Roles: []RoleUser{{Role: "r", User: "r", Password: "tok",
		Permissions: &Permissions{Publish: &SubjectPermission{Allow: []string{"bad..subject"}}}}}}.Files()
	if !errors.Is(err, ErrRefused) || files != nil {
		t.Fatalf("files %v, err %v: want ErrRefused", files, err)
	}
	if got := Redact(`bad "s3cret" near s3cret`, "s3cret", ""); strings.Contains(got, "s3cret") {
		t.Errorf("Redact left the secret: %s", got)
	}
}

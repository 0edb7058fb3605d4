package confcheck

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		conf    string
		env     Env
		wantErr string // empty: valid
	}{
		{"valid JSON config", `{"port": 4222, "cluster": {"name": "a", "port": 6222, "routes": ["nats://a-0.a-mgmt.ns.svc:6222"]}}`, nil, ""},
		{"variable the pod defines", "{\n\"server_name\": $SERVER_NAME\n}", Env{"POD_NAME": nil, "SERVER_NAME": ptr("$(POD_NAME)")}, ""},
		{"variable the pod does not define", "{\n\"server_name\": $SERVER_NAME\n}", Env{"POD_NAME": nil}, "variable reference for 'SERVER_NAME' on line 2 can not be found"},
		{"unknown key, with its line", "{\n\"port\": 4222,\n\"bogus\": 1\n}", nil, `(key bogus, line 3: "bogus": 1): unknown field "bogus"`},
		{"value the server refuses", "{\n\"lame_duck_duration\": \"10s\"\n}", nil, "invalid lame_duck_duration of 10s, minimum is 30 seconds"},
		{"not parsable", "{\n\"cluster\": {\"routes\": [ {{{\n}", nil, "nats.conf does not load in nats-server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.conf, tt.env)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestValidateManifestNamesTheConfigMap(t *testing.T) {
	manifest := `---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: a}
spec:
  selector: {matchLabels: {app: nats}}
  template:
    spec:
      containers:
      - name: nats
        env: [{name: SERVER_NAME, value: x}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a-config}
data:
  nats.conf: |
    {"server_name": $SERVER_NAME, "port": "not a number"}
`
	err := ValidateManifest(manifest)
	if err == nil || !strings.Contains(err.Error(), "ConfigMap a-config") || !strings.Contains(err.Error(), "nats.conf:1:") {
		t.Errorf("err = %v, want the ConfigMap's name and the position", err)
	}
	if err := ValidateManifest(strings.Replace(manifest, `"not a number"`, "4222", 1)); err != nil {
		t.Errorf("valid manifest refused: %v", err)
	}
}

func ptr(s string) *string { return &s }

func TestValidateWithIncludesAndEnvLists(t *testing.T) {
	conf := `{
  "authorization": {
include "auth/clients.conf"
  },
  "cluster": {"port": 6222, "routes": $ROUTES}
}`
	env := Env{"ROUTES": ptr(`["nats://$(ROUTE_USER):$(ROUTE_PASSWORD)@a-0.a-mgmt.ns.svc:6222"]`), "ROUTE_USER": nil}
	if err := Validate(conf, env); err != nil {
		t.Errorf("valid config with an include and a route list from the environment refused: %v", err)
	}
	if err := Validate(strings.Replace(conf, "auth/clients.conf", "../../etc/passwd", 1), env); err == nil || !strings.Contains(err.Error(), "must stay inside") {
		t.Errorf("include outside the config directory: err = %v", err)
	}
}

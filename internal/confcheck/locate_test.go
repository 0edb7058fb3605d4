package confcheck

import (
	"strings"
	"testing"
)

// TestRefusedConfigNamesTheKey: nobody sees the generated nats.conf, so a
// refusal names the key and shows its line instead of only "line 9".
func TestRefusedConfigNamesTheKey(t *testing.T) {
	const conf = "port: 4222\ncluster {\n  port: 6222\n  routes: [\n    \"nats://a:6222\"\n  ]\n}\njetstream {\n  max_mem: \"lots\"\n}\nmax_payload: 1MB\n"
	err := Validate(conf, Env{})
	if err == nil {
		t.Fatal("accepted")
	}
	if want := `(key jetstream.max_mem, line 9: max_mem: "lots"): `; !strings.Contains(err.Error(), want) {
		t.Errorf("message does not name %q: %v", want, err)
	}
	tests := []struct {
		name, conf, msg string
		want            Position
	}{
		{"after the blocks close", conf, "nats.conf:11:1: bad", Position{"max_payload", 11, "max_payload: 1MB"}},
		{"JSON form", "{\n  \"jetstream\": {\n    \"max_mem\": \"lots\"\n  }\n}\n", "nats.conf:3:5: bad", Position{"jetstream.max_mem", 3, `"max_mem": "lots"`}},
		{"a credential is not shown", "authorization {\n  password: \"hunter2\"\n}\n", "nats.conf:2:3: bad", Position{"authorization.password", 2, "password: (value hidden)"}},
		{"nor anything inside a credential's block", "accounts {\n  A {\n    nkey: {\n      x: \"SUABC\"\n    }\n  }\n}\n", "nats.conf:4:7: bad", Position{"accounts.A.nkey.x", 4, "x: (value hidden)"}},
	}
	for _, tt := range tests {
		got, ok := locate(tt.conf, tt.msg)
		if !ok || got != tt.want {
			t.Errorf("%s: locate = %+v, %v; want %+v", tt.name, got, ok, tt.want)
		}
	}
	if _, ok := locate(conf, "no position"); ok {
		t.Error("a message without a position was located")
	}
}

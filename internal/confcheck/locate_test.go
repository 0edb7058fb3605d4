package confcheck

import (
	"strings"
	"testing"
)

// TestRefusedConfigNamesTheKey: nobody sees the generated nats.conf, so a
// refusal names the key instead of only "line 9".
func TestRefusedConfigNamesTheKey(t *testing.T) {
	const conf = "port: 4222\ncluster {\n  port: 6222\n  routes: [\n    \"nats://a:6222\"\n  ]\n}\njetstream {\n  max_mem: \"lots\"\n}\nmax_payload: 1MB\n"
	err := Validate(conf, Env{})
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"key jetstream.max_mem (line 9)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message does not name %q: %v", want, err)
		}
	}
	if got := locate(conf, "nats.conf:11:1: bad"); got != "key max_payload (line 11)" {
		t.Errorf("after the blocks close: %q", got)
	}
	if got := locate("{\n  \"jetstream\": {\n    \"max_mem\": \"lots\"\n  }\n}\n", "nats.conf:3:5: bad"); got != "key jetstream.max_mem (line 3)" {
		t.Errorf("JSON form: %q", got)
	}
	if got := locate(conf, "no position"); got != "" {
		t.Errorf("a message without a position: %q", got)
	}
}

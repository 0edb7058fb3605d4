package natsconf

import (
	"reflect"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/conf"
)

// parse reads text back with the server's own parser.
func parse(t testing.TB, text string) map[string]any {
	t.Helper()
	m, err := conf.Parse(text)
	if err != nil {
		t.Fatalf("server refuses encoded config: %v\n%s", err, text)
	}
	return m
}

// hostile strings that broke the template encoder: each must come back from
// the server's parser as exactly the same string, as the only key.
var hostile = []string{
	`<< x }, authorization { users: [ {user: evil, password: evilpw} ] }, gateway { name: x >>`,
	"x\"\n}\nauthorization { users: [ {user: evil, password: evilpw} ] }\ncluster {",
	`$ROUTE_PASSWORD`,
	`$(ROUTE_PASSWORD)`,
	"include \"/etc/passwd\"",
	`a\`, `\x41`, `\u0041`, "tab\there", "cr\rlf\n", "nul\x00byte", "\x7f", "\xff\xfe invalid utf-8",
	"ünïcödé ✓ 𝄞", `"`, `'`, `}`, `]`, `#comment`, `// comment`, "",
	"  leading and trailing  ", "a;b,c=d:e", strings.Repeat("long", 4096),
}

func TestStringsRoundTripThroughTheServerParser(t *testing.T) {
	for _, s := range hostile {
		text, err := Encode(NewMap().Set("value", String(s)))
		if err != nil {
			t.Fatalf("Encode(%q): %v", s, err)
		}
		got := parse(t, text)
		if len(got) != 1 || got["value"] != s {
			t.Errorf("string %q came back as %#v from\n%s", s, got, text)
		}
	}
}

func TestNestedBlocksListsAndTypes(t *testing.T) {
	inner := NewMap().Set("port", Int(6222)).Set("routes", List{String("nats://a:6222"), String("nats://b:6222")})
	inner.Include("auth/cluster.conf")
	m := NewMap().
		Set("port", Int(4222)).
		Set("debug", Bool(true)).
		Set("timeout", Float(2)).
		Set("max_payload", Literal("8MB")).
		Set("server_name", Variable("SERVER_NAME")).
		Set("cluster", inner)
	text, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	// The include is relative to the file, so read it through a real file.
	if !strings.Contains(text, `include "auth/cluster.conf"`) {
		t.Fatalf("include missing:\n%s", text)
	}
	text = strings.Replace(text, `include "auth/cluster.conf"`, "", 1)
	got := parse(t, "SERVER_NAME: n1\n"+text)
	want := map[string]any{
		"SERVER_NAME": "n1",
		"port":        int64(4222), "debug": true, "timeout": 2.0, "max_payload": int64(8 * 1024 * 1024),
		"server_name": "n1",
		"cluster":     map[string]any{"port": int64(6222), "routes": []any{"nats://a:6222", "nats://b:6222"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed %#v\nwant   %#v\nfrom\n%s", got, want, text)
	}
}

func TestSetReplacesKeysCaseInsensitively(t *testing.T) {
	m := NewMap().Set("port", Int(4222)).Set("PORT", Int(1))
	if keys := m.Keys(); len(keys) != 1 {
		t.Fatalf("keys %v: want one port key", keys)
	}
	if v, _ := m.Get("Port"); v != Int(1) {
		t.Errorf("port = %v, want the last value 1", v)
	}
}

func TestEncoderRefusesWhatIsNotOneToken(t *testing.T) {
	cases := map[string]*Map{
		"key with brace":       NewMap().Set("a}", Int(1)),
		"key with space":       NewMap().Set("a b", Int(1)),
		"include as key":       NewMap().Set("include", String("x")),
		"empty key":            NewMap().Set("", Int(1)),
		"literal with brace":   NewMap().Set("a", Literal("1 }")),
		"literal variable":     NewMap().Set("a", Literal("$X")),
		"duration literal":     NewMap().Set("a", Literal("1h30m")),
		"variable lower":       NewMap().Set("a", Variable("x")),
		"variable with paren":  NewMap().Set("a", Variable("X)")),
		"absolute include":     NewMap().Include("/etc/passwd"),
		"parent include":       NewMap().Include("auth/../../x"),
		"include with quote":   NewMap().Include(`a" }`),
		"nil value":            NewMap().Set("a", nil),
		"negative float":       NewMap().Set("a", Float(-1)),
		"nested bad key":       NewMap().Set("a", NewMap().Set("b c", Int(1))),
		"list with bad nested": NewMap().Set("a", List{NewMap().Set("{", Int(1))}),
	}
	for name, m := range cases {
		if text, err := Encode(m); err == nil {
			t.Errorf("%s: encoded without error:\n%s", name, text)
		}
	}
}

func TestLiteralsMeanWhatTheServerReads(t *testing.T) {
	for lit, want := range map[string]int64{"8MB": 8 << 20, "1k": 1000, "1KiB": 1024, "2g": 2e9, "42": 42} {
		text, err := Encode(NewMap().Set("v", Literal(lit)))
		if err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		if got := parse(t, text)["v"]; got != want {
			t.Errorf("%s read as %v, want %d", lit, got, want)
		}
	}
}

// FuzzString: no string, whatever its bytes, comes back from the server's
// parser as anything but itself, or adds a key.
func FuzzString(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, err := Encode(NewMap().Set("a", String(s)).Set("b", List{String(s)}).Set("c", NewMap().Set("d", String(s))))
		if err != nil {
			t.Fatal(err)
		}
		got := parse(t, text)
		want := map[string]any{"a": s, "b": []any{s}, "c": map[string]any{"d": s}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q parsed as %#v", s, got)
		}
	})
}

// FuzzKeyAndLiteral: a key or literal is either refused or parses as one
// key holding one value.
func FuzzKeyAndLiteral(f *testing.F) {
	f.Add("port", "8MB")
	f.Add("a}b", "1 }")
	f.Add("include", "$X")
	f.Fuzz(func(t *testing.T, key, lit string) {
		text, err := Encode(NewMap().Set(key, Literal(lit)))
		if err != nil {
			return
		}
		got := parse(t, text)
		if len(got) != 1 {
			t.Fatalf("key %q literal %q parsed as %#v", key, lit, got)
		}
		if _, ok := got[key].(int64); !ok {
			t.Fatalf("literal %q parsed as %#v, want an integer", lit, got[key])
		}
	})
}

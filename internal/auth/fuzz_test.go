package auth

import (
	"strings"
	"testing"
)

// FuzzParseClients: whatever JSON a clientsAuthSecret holds, it is refused
// with a message that never quotes it, or it becomes a clients.conf body
// that nats-server accepts and in which every secret reads back verbatim.
func FuzzParseClients(f *testing.F) {
	f.Add(`{"users": [{"username": "a", "password": "b", "permissions": {"publish": ["x.>"]}}]}`)
	f.Add(`{"user": "u", "password": "p\" } authorization { token: x"}`)
	f.Add(`{"token": "$ROUTE_PASSWORD", "timeout": 2}`)
	f.Add(`{"users": [{"user": "n", "password": "\u0000\n}"}], "default_permissions": {}}`)
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := ParseClients([]byte(raw))
		if err != nil {
			if msg := err.Error(); len(raw) > 8 && strings.Contains(msg, raw) {
				t.Fatalf("message quotes the input: %s", msg)
			}
			return
		}
		merged, err := Clients(a, nil, 0)
		if err != nil {
			return
		}
		if err := Validate(ClientsBlock, merged.Body(), merged.Secrets()...); err != nil {
			t.Fatalf("accepted %s gives a clients.conf the server refuses: %v", raw, err)
		}
	})
}

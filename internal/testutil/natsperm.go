package testutil

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// RequireAllowedOnly connects to the NATS server at url as user and checks
// the permissions of a role that allows allowed.> and not forbidden.>: a
// publish to allowed.x reaches the user's own subscription, one to
// forbidden.x is refused with a permissions violation naming the subject.
func RequireAllowedOnly(t testing.TB, url, user, password string) {
	t.Helper()
	errs := make(chan error, 16)
	nc, err := nats.Connect(url, nats.UserInfo(user, password), nats.NoReconnect(),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatalf("%s refused: %v", user, err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("allowed.x")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("allowed.x", []byte("in")); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Errorf("a publish inside the role's subjects was not delivered: %v", err)
	}
	if err := nc.Publish("forbidden.x", []byte("out")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") || !strings.Contains(err.Error(), "forbidden.x") {
			t.Errorf("unexpected async error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("a publish outside the role's subjects was not refused")
	}
}

package auth

import (
	"net/url"
	"strings"
)

// EscapeUserinfo percent-encodes a user name or password for the userinfo
// of a route URL (nats://USER:PASSWORD@host:6222). Everything but RFC 3986
// unreserved characters is escaped, so ':', '@', '/', '%', '+', '$' and
// spaces are safe; nats-server reads the URL with net/url, which decodes
// them back. url.QueryEscape alone would turn a space into '+', which
// userinfo keeps as a literal plus.
func EscapeUserinfo(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

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

// Routes are the route URLs of a cluster with route credentials.
type Routes struct {
	// Servers are host:port of the cluster's own servers, one each; their
	// URLs get the credentials.
	Servers []string
	// Extra are spec.extraRoutes' URLs, as given.
	Extra []string
	// Keep, when set, is a routes.conf written before, kept as it is: the
	// cluster's values are refused, so its servers are not known.
	Keep []byte
}

// Body is routes.conf: the routes key of the cluster block, each server's
// URL carrying the escaped credentials (nats-server decodes them).
func (r Routes) Body(c *Credentials) string {
	if r.Keep != nil {
		return string(r.Keep)
	}
	urls := make([]string, 0, len(r.Servers)+len(r.Extra))
	userinfo := EscapeUserinfo(c.User) + ":" + EscapeUserinfo(c.Password) + "@"
	for _, hostport := range r.Servers {
		urls = append(urls, "nats://"+userinfo+hostport)
	}
	urls = append(urls, r.Extra...)
	return body(obj{{"routes", urls}})
}

package auth

// Keys of the <cluster>-auth Secret, the contract with the chart, which
// mounts the Secret at /etc/nats-config/auth/.
const (
	// KeyClients: body of the top-level authorization block.
	KeyClients = "clients.conf"
	// KeyCluster: body of cluster { authorization { } }.
	KeyCluster = "cluster.conf"
	// KeyRoutes: routes: [...] in the body of cluster { }, the route URLs
	// with the route credentials. It is written here, not in nats.conf or
	// the pod's environment, so that the chart never sees the password and
	// a scale changes neither the pod template nor nats.conf: the servers
	// reload it.
	KeyRoutes = "routes.conf"
	// KeyGateway: body of gateway { authorization { } }.
	KeyGateway = "gateway.conf"
)

// Sources are everything <cluster>-auth is made of.
type Sources struct {
	// Clients enables clients.conf (clientsAuthSecret or
	// enableServiceAccounts is set).
	Clients bool
	// Static is the parsed clientsAuthSecret, nil without one.
	Static *Authorization
	// Roles are the ServiceAccount users (token-Secret mode).
	Roles []RoleUser
	// Callout, in ServiceAccount-callout mode, delegates every connection
	// but the static users' to the callout sidecar; Roles is then empty.
	Callout *Callout
	// ClientsTimeout, ClusterTimeout and GatewayTimeout are the spec.auth
	// overrides in seconds; 0 keeps the Secret's value.
	ClientsTimeout int
	// Cluster is the parsed clusterAuthSecret, nil without one.
	Cluster        *Credentials
	ClusterTimeout int
	// Routes are where the routes go when Cluster is set.
	Routes Routes
	// Gateway is the parsed gatewayAuthSecret, nil without one or without
	// gatewayConfig.
	Gateway        *Credentials
	GatewayTimeout int
}

// Files renders and validates the data of <cluster>-auth. Nothing is
// returned unless nats-server accepts every fragment.
func (s Sources) Files() (map[string][]byte, error) {
	files := map[string][]byte{}
	if s.Clients {
		a, err := Clients(s.Static, s.Roles, s.ClientsTimeout)
		if err != nil {
			return nil, err
		}
		if s.Callout != nil {
			if a, err = withCallout(a, *s.Callout); err != nil {
				return nil, err
			}
		}
		body := a.Body()
		if err := Validate(ClientsBlock, body, a.Secrets()...); err != nil {
			return nil, withPrefix(err, "clients.conf: ")
		}
		files[KeyClients] = []byte(body)
	}
	if s.Cluster != nil {
		c := withTimeout(s.Cluster, s.ClusterTimeout)
		if err := Validate(ClusterBlock, c.Body(), c.Password); err != nil {
			return nil, withPrefix(err, "cluster.conf: ")
		}
		files[KeyCluster] = []byte(c.Body())
		routes := s.Routes.Body(c)
		if err := Validate(RoutesBlock, routes, c.Password, EscapeUserinfo(c.Password)); err != nil {
			return nil, withPrefix(err, "routes.conf: ")
		}
		files[KeyRoutes] = []byte(routes)
	}
	if s.Gateway != nil {
		g := withTimeout(s.Gateway, s.GatewayTimeout)
		if err := Validate(GatewayBlock, g.Body(), g.Password); err != nil {
			return nil, withPrefix(err, "gateway.conf: ")
		}
		files[KeyGateway] = []byte(g.Body())
	}
	return files, nil
}

func withTimeout(c *Credentials, timeout int) *Credentials {
	out := *c
	if timeout > 0 {
		out.Timeout = float64(timeout)
	}
	return &out
}

package auth

// Keys of the <cluster>-auth Secret, the contract with the chart, which
// mounts the Secret at /etc/nats-config/auth/.
const (
	// KeyClients: body of the top-level authorization block.
	KeyClients = "clients.conf"
	// KeyCluster: body of cluster { authorization { } }.
	KeyCluster = "cluster.conf"
	// KeyRouteUser and KeyRoutePassword: the route credentials, escaped for
	// the userinfo of a route URL (EscapeUserinfo); the chart builds
	// nats://$(ROUTE_USER):$(ROUTE_PASSWORD)@... from them.
	KeyRouteUser     = "route-user"
	KeyRoutePassword = "route-password"
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
	// Roles are the ServiceAccount users.
	Roles []RoleUser
	// ClientsTimeout, ClusterTimeout and GatewayTimeout are the spec.auth
	// overrides in seconds; 0 keeps the Secret's value.
	ClientsTimeout int
	// Cluster is the parsed clusterAuthSecret, nil without one.
	Cluster        *Credentials
	ClusterTimeout int
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
		body := a.Body()
		if err := Validate(ClientsBlock, body, a.Secrets()...); err != nil {
			return nil, errorf(err, "clients.conf: ")
		}
		files[KeyClients] = []byte(body)
	}
	if s.Cluster != nil {
		c := withTimeout(s.Cluster, s.ClusterTimeout)
		if err := Validate(ClusterBlock, c.Body(), c.Password); err != nil {
			return nil, errorf(err, "cluster.conf: ")
		}
		files[KeyCluster] = []byte(c.Body())
		files[KeyRouteUser] = []byte(EscapeUserinfo(c.User))
		files[KeyRoutePassword] = []byte(EscapeUserinfo(c.Password))
	}
	if s.Gateway != nil {
		g := withTimeout(s.Gateway, s.GatewayTimeout)
		if err := Validate(GatewayBlock, g.Body(), g.Password); err != nil {
			return nil, errorf(err, "gateway.conf: ")
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

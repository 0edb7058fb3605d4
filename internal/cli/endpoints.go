package cli

import (
	"net"
)

// ServedEndpoints are the URLs of the operator's own HTTP endpoints, for
// the start-up messages; "off" when disabled.
type ServedEndpoints struct {
	Metrics string
	Health  string
}

// Endpoints turns the bind addresses into URLs a person can open; an
// address without a host (":8443") listens everywhere and is shown as
// localhost.
func Endpoints(metricsAddr string, secureMetrics bool, probeAddr string) ServedEndpoints {
	scheme := "http"
	if secureMetrics {
		scheme = "https"
	}
	return ServedEndpoints{
		Metrics: endpointURL(scheme, metricsAddr, "/metrics"),
		Health:  endpointURL("http", probeAddr, "/healthz"),
	}
}

func endpointURL(scheme, addr, path string) string {
	if addr == "" || addr == "0" {
		return "off"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return scheme + "://" + addr + path
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + path
}

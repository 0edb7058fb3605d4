package values

import (
	"regexp"
	"strconv"
	"strings"
)

// Capabilities is what a server version supports, resolved once in Go so the
// chart never parses a version.
type Capabilities struct {
	// Binary is the server binary's path in the image.
	Binary string `json:"binary"`
	// ClusterName: cluster.name is known (2.2+).
	ClusterName bool `json:"clusterName"`
	// Healthz: /healthz exists (2.2+).
	Healthz bool `json:"healthz"`
	// LameDuck: lame-duck mode exists (1.3+).
	LameDuck bool `json:"lameDuck"`
}

var majorMinor = regexp.MustCompile(`^([0-9]+)\.([0-9]+)`)

// CapabilitiesOf resolves what the server of an image tag supports; version
// is the server version when the tag does not say it (a digest, a mirror's
// tag). Versions that do not parse (nightly, custom tags) are taken as
// current.
func CapabilitiesOf(tag, version string) Capabilities {
	tag = strings.TrimPrefix(tag, "v")
	v := strings.TrimPrefix(version, "v")
	if v == "" {
		v = tag
	}
	major, minor := 99, 0
	if m := majorMinor.FindStringSubmatch(v); m != nil {
		major, _ = strconv.Atoi(m[1])
		minor, _ = strconv.Atoi(m[2])
	}
	atLeast := func(wantMajor, wantMinor int) bool {
		return major > wantMajor || (major == wantMajor && minor >= wantMinor)
	}
	c := Capabilities{
		Binary:      "/nats-server",
		ClusterName: atLeast(2, 2),
		Healthz:     atLeast(2, 2),
		LameDuck:    atLeast(1, 3),
	}
	switch {
	case major < 2:
		c.Binary = "/gnatsd"
	case strings.HasPrefix(tag, "nightly"):
		c.Binary = "/bin/nats-server"
	case strings.Contains(tag, "alpine"):
		c.Binary = "nats-server" // on PATH in the Alpine images
	}
	return c
}

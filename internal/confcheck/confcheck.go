// Package confcheck validates a rendered nats.conf with the NATS server's
// own parser and option processing, before anything is rolled out.
package confcheck

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// placeholder stands in for environment variables that only exist in the pod.
const placeholder = "env-placeholder"

// Validate parses conf the way nats-server does at start-up, unknown keys and
// invalid values included. envNames are the variables the pod defines (e.g.
// SERVER_NAME): references to them are legal, references to anything else
// are not, exactly as in the pod.
func Validate(conf string, envNames []string) error {
	o := &server.Options{}
	if err := o.ProcessConfigString(withVariables(conf, envNames)); err != nil {
		// The server reports positions as ":line:col:" for a config given as
		// a string; name the file so the message reads like nats-server -t.
		msg := strings.TrimSpace(err.Error())
		if strings.HasPrefix(msg, ":") {
			msg = "nats.conf" + strings.ReplaceAll(msg, "\n:", "\nnats.conf:")
		}
		return fmt.Errorf("nats.conf does not load in nats-server: %s", msg)
	}
	return nil
}

// withVariables defines each name as a config variable. The definitions go
// on the first line, inside the opening brace of a JSON-style config, so the
// line numbers in the server's error messages stay those of the real file.
func withVariables(conf string, envNames []string) string {
	names := referenced(conf, envNames)
	if len(names) == 0 {
		return conf
	}
	var defs strings.Builder
	for _, n := range names {
		fmt.Fprintf(&defs, "%s: %q, ", n, placeholder)
	}
	trimmed := strings.TrimLeft(conf, " \t\r\n")
	if strings.HasPrefix(trimmed, "{") {
		lead := conf[:len(conf)-len(trimmed)]
		return lead + "{" + defs.String() + trimmed[1:]
	}
	return defs.String() + conf
}

var variableRef = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)

// referenced returns the envNames that conf refers to, sorted. The server
// rejects a defined variable that is never used as an unknown field, so only
// these may be defined.
func referenced(conf string, envNames []string) []string {
	env := map[string]bool{}
	for _, n := range envNames {
		env[n] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range variableRef.FindAllStringSubmatch(conf, -1) {
		if n := m[1]; env[n] && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

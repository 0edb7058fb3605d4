// Package confcheck validates a rendered nats.conf with the NATS server's
// own parser and option processing, before anything is rolled out.
package confcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// placeholder stands in for values that only exist in the pod (Secrets,
// the downward API).
const placeholder = "env-placeholder"

// Env is the environment of the NATS container: a literal value, or nil
// for a value from a Secret or the downward API.
type Env map[string]*string

// Validate loads conf the way nats-server does at start-up, unknown keys and
// invalid values included. Variables resolve against env exactly as in the
// pod: a reference to a variable the pod does not define is an error.
// Included files are provided empty, because their content (credentials)
// is written by the operator's controllers and validated there.
func Validate(conf string, env Env) error {
	_, err := loadOptions(conf, env)
	return err
}

// loadOptions is Validate that also returns the options the server would
// run with. With the includes empty, every user, account or token in them
// came from conf's own text.
func loadOptions(conf string, env Env) (*server.Options, error) {
	dir, err := os.MkdirTemp("", "nats-conf-check-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "nats.conf")
	withFiles, err := stubFiles(dir, withVariables(conf, env))
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(withFiles), 0o600); err != nil {
		return nil, err
	}
	if err := stubIncludes(dir, conf, nil); err != nil {
		return nil, err
	}
	o := &server.Options{}
	if err := o.ProcessConfigFile(path); err != nil {
		msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), filepath.Join(dir, "files"), "")
		msg = strings.ReplaceAll(msg, dir+string(filepath.Separator), "")
		le := &LoadError{Message: msg}
		if pos, ok := locate(withFiles, msg); ok {
			le.Position = &pos
		}
		return nil, le
	}
	return o, nil
}

// LoadError is nats-server refusing nats.conf, with where in the file.
type LoadError struct {
	// Message is nats-server's, without the temporary paths.
	Message string
	// Position is nil when the message names no key.
	Position *Position
	// Source is the NatsCluster field behind Position's key, when the
	// caller knows the CR (Guard).
	Source string
}

func (e *LoadError) Error() string {
	if e.Position == nil {
		return "nats.conf does not load in nats-server: " + e.Message
	}
	// The position is shown as key and line, so nats-server's own
	// "nats.conf:10:6:" goes.
	msg := strings.TrimSpace(errorPosition.ReplaceAllString(e.Message, ""))
	if e.Source == "" {
		return "nats-server refuses nats.conf (" + e.Position.String() + "): " + msg
	}
	return "nats-server refuses " + bounded(e.Source) + " (nats.conf " + e.Position.String() + "): " + msg
}

var includeDirective = regexp.MustCompile(`(?m)^\s*include\s+"?([^"\s;]+)"?`)

// stubIncludes creates a file for every include, relative to the config's
// directory as nats-server resolves them: empty, or with content(path) when
// content is not nil.
func stubIncludes(dir, conf string, content func(rel string) string) error {
	rels, err := includes(conf)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return err
		}
		var body []byte
		if content != nil {
			body = []byte(content(rel))
		}
		if err := os.WriteFile(p, body, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// includes lists the files conf includes, cleaned, in order of appearance
// and without repeats. An include outside /etc/nats-config is an error.
func includes(conf string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, m := range includeDirective.FindAllStringSubmatch(conf, -1) {
		rel := filepath.ToSlash(filepath.Clean(m[1]))
		if filepath.IsAbs(rel) || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("nats.conf includes %q: includes must stay inside /etc/nats-config", m[1])
		}
		if rel == "." || rel == ConfigKey {
			return nil, fmt.Errorf("nats.conf includes %q, which is nats.conf itself or its directory: remove the include", m[1])
		}
		if !seen[rel] {
			seen[rel] = true
			out = append(out, rel)
		}
	}
	return out, nil
}

// withVariables defines the referenced environment variables as config
// variables. The definitions go on the first line, inside the opening brace
// of a JSON-style config, so the line numbers in the server's error messages
// stay those of the real file.
func withVariables(conf string, env Env) string {
	names := referenced(conf, env)
	if len(names) == 0 {
		return conf
	}
	var defs strings.Builder
	for _, n := range names {
		fmt.Fprintf(&defs, "%s: %s, ", n, valueOf(env[n]))
	}
	trimmed := strings.TrimLeft(conf, " \t\r\n")
	if strings.HasPrefix(trimmed, "{") {
		lead := conf[:len(conf)-len(trimmed)]
		return lead + "{" + defs.String() + trimmed[1:]
	}
	return defs.String() + conf
}

var kubeletRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// valueOf is the variable's value as NATS syntax. The server parses an
// environment variable's value as config, so a literal is inserted as is,
// with the kubelet's $(VAR) references replaced by a placeholder.
func valueOf(literal *string) string {
	if literal == nil {
		return strconv.Quote(placeholder)
	}
	v := kubeletRef.ReplaceAllString(*literal, placeholder)
	if strings.TrimSpace(v) == "" {
		return `""`
	}
	return v
}

var variableRef = regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`)

// referenced returns the variables of env that conf refers to, sorted. The
// server rejects a defined variable that is never used as an unknown field,
// so only these may be defined.
func referenced(conf string, env Env) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range variableRef.FindAllStringSubmatch(conf, -1) {
		n := m[1]
		if _, ok := env[n]; ok && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

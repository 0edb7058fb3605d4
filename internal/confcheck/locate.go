package confcheck

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// errorPosition finds "nats.conf:<line>:<col>:" in a nats-server message.
var errorPosition = regexp.MustCompile(`nats\.conf:(\d+):\d+:`)

// Position is where in the generated nats.conf nats-server found a problem:
// nobody sees that file, so a refusal names the key and shows its line.
type Position struct {
	// Key is the dotted key path, e.g. "jetstream.max_mem".
	Key  string
	Line int
	// Excerpt is the line, with the value hidden when the key holds a
	// credential.
	Excerpt string
}

func (p Position) String() string {
	return "key " + bounded(p.Key) + ", line " + strconv.Itoa(p.Line) + ": " + bounded(p.Excerpt)
}

// locate says which key of conf a nats-server message is about; ok is
// false when the message names no line of conf that sets a key.
func locate(conf, msg string) (Position, bool) {
	m := errorPosition.FindStringSubmatch(msg)
	if m == nil {
		return Position{}, false
	}
	n, err := strconv.Atoi(m[1])
	lines := strings.Split(conf, "\n")
	if err != nil || n < 1 || n > len(lines) {
		return Position{}, false
	}
	var path []string
	for _, l := range lines[:n-1] {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "}") || strings.HasPrefix(l, "]"):
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		case strings.HasSuffix(l, "{") || strings.HasSuffix(l, "["):
			path = append(path, keyOf(l))
		}
	}
	line := strings.TrimSpace(lines[n-1])
	if k := keyOf(line); k != "" {
		path = append(path, k)
	}
	// A block without a key (the outer braces of the JSON form) holds an
	// empty entry, so that its closing brace pops it.
	path = slices.DeleteFunc(path, func(k string) bool { return k == "" })
	if len(path) == 0 {
		return Position{}, false
	}
	return Position{Key: strings.Join(path, "."), Line: n, Excerpt: excerpt(path, line)}, true
}

// credentialWords mark keys whose values are never shown: a config.merge
// may hold a password, and Events are read more widely than the CR.
var credentialWords = []string{"pass", "token", "secret", "nkey", "seed", "jwt", "cred", "key", "sig"}

// excerpt is line as nats.conf has it, unless a key on the path names a
// credential, or the line mentions one: then only the key is shown.
func excerpt(path []string, line string) string {
	// The line too: in the JSON form one line may hold a whole block.
	lower := strings.ToLower(strings.Join(path, ".") + " " + line)
	for _, w := range credentialWords {
		if strings.Contains(lower, w) {
			return path[len(path)-1] + ": (value hidden)"
		}
	}
	return line
}

// keyOf is the key a line of nats.conf sets, bare or quoted (JSON form),
// "" for a list item or a closing brace.
func keyOf(line string) string {
	if rest, ok := strings.CutPrefix(line, `"`); ok {
		key, after, found := strings.Cut(rest, `"`)
		if !found || !strings.HasPrefix(strings.TrimSpace(after), ":") {
			return "" // a quoted list item
		}
		return key
	}
	end := strings.IndexAny(line, ":= {[")
	if end <= 0 {
		return ""
	}
	return line[:end]
}

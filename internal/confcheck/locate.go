package confcheck

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// errorPosition finds "nats.conf:<line>:<col>:" in a nats-server message.
var errorPosition = regexp.MustCompile(`nats\.conf:(\d+):\d+:`)

// locate says which key of conf a nats-server message is about, since
// nobody sees the generated nats.conf: "key jetstream.max_mem (line 15)".
// The line itself is not quoted: a hostile config.merge may hold a
// password there. Empty when the message names no line of conf.
func locate(conf, msg string) string {
	m := errorPosition.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	n, err := strconv.Atoi(m[1])
	lines := strings.Split(conf, "\n")
	if err != nil || n < 1 || n > len(lines) {
		return ""
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
		return ""
	}
	return "key " + bounded(strings.Join(path, ".")) + " (line " + m[1] + ")"
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

// Package natsconf writes nats.conf. It is the one encoder every value of a
// NatsCluster goes through on its way to the server: strings are always
// quoted and escaped, numbers and booleans are typed, and the only unquoted
// text it writes is what the operator itself builds (keys from a fixed
// alphabet, include paths, variable references and unit literals, each
// checked). No value can therefore open or close a block, add a key or
// include a file.
package natsconf

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Value is a nats.conf value. The implementations are the types of this
// package; a value is built from typed Go, never parsed from text.
type Value interface {
	write(b *strings.Builder, indent int) error
}

// String is a quoted string: the server reads back exactly these bytes.
type String string

// Int is an integer.
type Int int64

// Float is a number with a fraction (TLS timeouts in seconds).
type Float float64

// Bool is true or false.
type Bool bool

// Literal is an unquoted number with a unit suffix, such as 8MB, as the
// official NATS chart writes values given as "<< 8MB >>". Only what
// ValidLiteral accepts is written.
type Literal string

// Variable is a reference to an environment variable of the NATS container
// ($NAME); only names ValidVariable accepts are written.
type Variable string

// List is an array.
type List []Value

// Map is a block of keys in insertion order, plus include directives.
type Map struct {
	entries []entry
}

type entry struct {
	key     string
	value   Value
	include string // when set, the entry is `include "<path>"`
}

// NewMap returns an empty block.
func NewMap() *Map { return &Map{} }

// Set adds or replaces key. Keys compare case-insensitively, as the server
// reads them, so "PORT" replaces "port" instead of shadowing it.
func (m *Map) Set(key string, v Value) *Map {
	for i := range m.entries {
		if m.entries[i].include == "" && strings.EqualFold(m.entries[i].key, key) {
			m.entries[i].value = v
			return m
		}
	}
	m.entries = append(m.entries, entry{key: key, value: v})
	return m
}

// Get returns the value of key, compared as the server compares keys.
func (m *Map) Get(key string) (Value, bool) {
	for _, e := range m.entries {
		if e.include == "" && strings.EqualFold(e.key, key) {
			return e.value, true
		}
	}
	return nil, false
}

// Delete removes key.
func (m *Map) Delete(key string) {
	out := m.entries[:0]
	for _, e := range m.entries {
		if e.include != "" || !strings.EqualFold(e.key, key) {
			out = append(out, e)
		}
	}
	m.entries = out
}

// Keys are the keys in order (includes left out).
func (m *Map) Keys() []string {
	var out []string
	for _, e := range m.entries {
		if e.include == "" {
			out = append(out, e.key)
		}
	}
	return out
}

// Include adds an include directive of a path relative to nats.conf.
func (m *Map) Include(path string) *Map {
	m.entries = append(m.entries, entry{include: path})
	return m
}

// Includes are the paths this block includes, in order.
func (m *Map) Includes() []string {
	var out []string
	for _, e := range m.entries {
		if e.include != "" {
			out = append(out, e.include)
		}
	}
	return out
}

// Encode writes a top-level block as nats.conf text.
func Encode(m *Map) (string, error) {
	var b strings.Builder
	if err := m.writeEntries(&b, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

var (
	keyPattern      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	variablePattern = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	includePattern  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$`)
	literalPattern  = regexp.MustCompile(`(?i)^[0-9]{1,15}(k|kb|ki|kib|m|mb|mi|mib|g|gb|gi|gib|t|tb|ti|tib)?$`)
)

// MaxKeyLength bounds a key; the server's own keys are far shorter.
const MaxKeyLength = 64

// ValidKey reports whether key can be written unquoted as a nats.conf key
// and means only itself: letters, digits and underscores, not a directive.
func ValidKey(key string) error {
	if len(key) > MaxKeyLength || !keyPattern.MatchString(key) {
		return fmt.Errorf("key %q: keys are letters, digits and underscores (at most %d), starting with a letter", truncate(key), MaxKeyLength)
	}
	if strings.EqualFold(key, "include") {
		return fmt.Errorf("key %q: include is a directive, not a key", key)
	}
	return nil
}

// ValidLiteral reports whether s is a number with an optional size unit
// (8MB, 1Gi, 512k): one token the server reads as an integer.
func ValidLiteral(s string) error {
	if !literalPattern.MatchString(s) {
		return fmt.Errorf("%q is not a number with a size unit (such as 8MB or 1GiB)", truncate(s))
	}
	return nil
}

// ValidVariable reports whether name is a plain environment variable name.
func ValidVariable(name string) error {
	if len(name) > MaxKeyLength || !variablePattern.MatchString(name) {
		return fmt.Errorf("variable %q: names are upper-case letters, digits and underscores", truncate(name))
	}
	return nil
}

// ValidInclude reports whether path is a relative path of plain segments,
// so that an include stays inside the config directory.
func ValidInclude(path string) error {
	if len(path) > 253 || !includePattern.MatchString(path) || strings.Contains(path, "..") {
		return fmt.Errorf("include %q: a relative path of letters, digits, '.', '_' and '-' segments, without '..'", truncate(path))
	}
	return nil
}

func (m *Map) write(b *strings.Builder, indent int) error {
	b.WriteString("{\n")
	if err := m.writeEntries(b, indent+1); err != nil {
		return err
	}
	writeIndent(b, indent)
	b.WriteString("}")
	return nil
}

func (m *Map) writeEntries(b *strings.Builder, indent int) error {
	for _, e := range m.entries {
		writeIndent(b, indent)
		if e.include != "" {
			if err := ValidInclude(e.include); err != nil {
				return err
			}
			fmt.Fprintf(b, "include %q\n", e.include)
			continue
		}
		if err := ValidKey(e.key); err != nil {
			return err
		}
		if e.value == nil {
			return fmt.Errorf("key %q has no value", e.key)
		}
		b.WriteString(e.key)
		if _, block := e.value.(*Map); block {
			b.WriteString(" ")
		} else {
			b.WriteString(": ")
		}
		if err := e.value.write(b, indent); err != nil {
			return fmt.Errorf("%s: %w", e.key, err)
		}
		b.WriteString("\n")
	}
	return nil
}

func (l List) write(b *strings.Builder, indent int) error {
	if len(l) == 0 {
		b.WriteString("[]")
		return nil
	}
	b.WriteString("[\n")
	for i, v := range l {
		writeIndent(b, indent+1)
		if v == nil {
			return fmt.Errorf("item %d has no value", i)
		}
		if err := v.write(b, indent+1); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
		b.WriteString("\n")
	}
	writeIndent(b, indent)
	b.WriteString("]")
	return nil
}

func (s String) write(b *strings.Builder, _ int) error {
	b.WriteString(Quote(string(s)))
	return nil
}

func (i Int) write(b *strings.Builder, _ int) error {
	b.WriteString(strconv.FormatInt(int64(i), 10))
	return nil
}

func (f Float) write(b *strings.Builder, _ int) error {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%v is not a number nats.conf can hold", v)
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0" // an integer would change the type the server sees
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, ".") {
		return fmt.Errorf("%v: only non-negative numbers", v)
	}
	b.WriteString(s)
	return nil
}

func (v Bool) write(b *strings.Builder, _ int) error {
	b.WriteString(strconv.FormatBool(bool(v)))
	return nil
}

func (l Literal) write(b *strings.Builder, _ int) error {
	if err := ValidLiteral(string(l)); err != nil {
		return err
	}
	b.WriteString(string(l))
	return nil
}

func (v Variable) write(b *strings.Builder, _ int) error {
	if err := ValidVariable(string(v)); err != nil {
		return err
	}
	b.WriteString("$" + string(v))
	return nil
}

// Quote returns s as a double-quoted nats.conf string. The server's lexer
// knows the escapes \t \n \r \" \\ and \xXX; every other control byte and
// every byte of invalid UTF-8 goes as \xXX, so the string ends where the
// encoder says, whatever it holds.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

func writeIndent(b *strings.Builder, n int) {
	for range n {
		b.WriteString("  ")
	}
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// EncodeValue writes one value as nats.conf text, for a variable whose
// value the server parses as config (an environment variable such as a
// route list).
func EncodeValue(v Value) (string, error) {
	if v == nil {
		return "", fmt.Errorf("no value")
	}
	var b strings.Builder
	if err := v.write(&b, 0); err != nil {
		return "", err
	}
	return b.String(), nil
}

package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// field is one key of a JSON object; names are its lower-case spellings
// (NATS reads keys case-insensitively and accepts aliases such as user and
// username).
type field struct {
	names []string
	set   func(path string, raw json.RawMessage) error
}

// decodeObject decodes a JSON object field by field. An unknown key is an
// error that lists the known ones; two spellings of one field are an error
// too. Messages name fields, never values.
func decodeObject(path string, raw json.RawMessage, fields []field) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return invalidf("%s: expected an object", path)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	used := map[int]string{}
	for _, k := range keys {
		i := fieldIndex(fields, strings.ToLower(k))
		if i < 0 {
			return invalidf("%s: unknown field %q (known: %s)", path, k, knownNames(fields))
		}
		if prev, dup := used[i]; dup {
			return invalidf("%s: %q and %q are the same field: keep one", path, prev, k)
		}
		used[i] = k
		if err := fields[i].set(join(path, k), m[k]); err != nil {
			return err
		}
	}
	return nil
}

func fieldIndex(fields []field, name string) int {
	for i, f := range fields {
		for _, n := range f.names {
			if n == name {
				return i
			}
		}
	}
	return -1
}

func knownNames(fields []field) string {
	var names []string
	for _, f := range fields {
		names = append(names, f.names[0])
	}
	return strings.Join(names, ", ")
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// checkJSON reports a syntax error by position only: the text around it
// may be a password.
func checkJSON(raw []byte) error {
	var v any
	err := json.Unmarshal(raw, &v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		line := bytes.Count(raw[:min(int(syn.Offset), len(raw))], []byte("\n")) + 1
		return invalidf("not valid JSON: syntax error on line %d (byte %d)", line, syn.Offset)
	}
	return invalidf("not valid JSON")
}

func setString(dst *string) func(string, json.RawMessage) error {
	return func(path string, raw json.RawMessage) error {
		if err := json.Unmarshal(raw, dst); err != nil {
			return invalidf("%s: expected a string", path)
		}
		return nil
	}
}

func setStrings(dst *[]string) func(string, json.RawMessage) error {
	return func(path string, raw json.RawMessage) error {
		s, err := subjects(path, raw)
		*dst = s
		return err
	}
}

// subjects reads a string or a list of strings.
func subjects(path string, raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, invalidf("%s: expected a string or a list of strings", path)
	}
	return list, nil
}

// setTimeout reads seconds as a number, or a Go duration string ("2s") as
// nats-server does.
func setTimeout(dst *float64) func(string, json.RawMessage) error {
	return func(path string, raw json.RawMessage) error {
		var n float64
		if err := json.Unmarshal(raw, &n); err == nil {
			if n < 0 {
				return invalidf("%s: must not be negative", path)
			}
			*dst = n
			return nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				return invalidf("%s: expected seconds or a duration such as \"2s\"", path)
			}
			*dst = d.Seconds()
			return nil
		}
		return invalidf("%s: expected seconds or a duration such as \"2s\"", path)
	}
}

func unsupported(msg string) func(string, json.RawMessage) error {
	return func(path string, _ json.RawMessage) error {
		return invalidf("%s: %s", path, msg)
	}
}

// parse checks the JSON and decodes its top-level object.
func parse(raw []byte, fields []field) error {
	if err := checkJSON(raw); err != nil {
		return err
	}
	if err := decodeObject("", raw, fields); err != nil {
		var ie *inputError
		if errors.As(err, &ie) && strings.HasPrefix(ie.msg, ": ") {
			ie.msg = "top level" + ie.msg
		}
		return err
	}
	return nil
}

// withPrefix puts prefix before the message of err, keeping the class of
// a wrapped input error.
func withPrefix(err error, prefix string) error {
	var ie *inputError
	if errors.As(err, &ie) {
		return &inputError{class: ie.class, msg: prefix + ie.msg}
	}
	return fmt.Errorf("%s%w", prefix, err)
}

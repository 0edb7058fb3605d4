package auth

import (
	"fmt"
	"sort"
	"strings"
)

// PreferredKeys are the keys SecretKey takes, in this order, from a Secret
// with several keys: auth.json, then clients-auth.json (the key of the old
// nats Helm chart and of nats-operator's examples).
var PreferredKeys = []string{"auth.json", "clients-auth.json"}

// SecretKey chooses the key of a referenced Secret (clientsAuthSecret,
// clusterAuthSecret, gatewayAuthSecret) that holds the JSON. The rule is
// deterministic, unlike nats-operator's "first key of a Go map":
//
//  1. a Secret with exactly one key: that key, whatever its name;
//  2. otherwise the first of PreferredKeys present (auth.json, then
//     clients-auth.json);
//  3. otherwise an error that lists the keys found.
func SecretKey(data map[string][]byte) (string, error) {
	if len(data) == 1 {
		for k := range data {
			return k, nil
		}
	}
	for _, k := range PreferredKeys {
		if _, ok := data[k]; ok {
			return k, nil
		}
	}
	if len(data) == 0 {
		return "", invalidf("the Secret has no data: add the JSON under the key %s", PreferredKeys[0])
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return "", invalidf("the Secret has %d keys (%s) and none is named %s: keep one key, or name the one to use %s",
		len(keys), strings.Join(keys, ", "), strings.Join(PreferredKeys, " or "), PreferredKeys[0])
}

// Errors of this package wrap one of these, so that callers can map them to
// a condition reason.
var (
	// ErrInvalid: an input is not what it must be (not JSON, unknown field,
	// wrong shape).
	ErrInvalid = errorString("invalid auth input")
	// ErrConflict: inputs that are each valid cannot be combined.
	ErrConflict = errorString("conflicting auth inputs")
	// ErrRefused: nats-server refuses the generated config.
	ErrRefused = errorString("generated auth config refused by nats-server")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// inputError carries a message for people and the class of the error.
type inputError struct {
	class error
	msg   string
}

func (e *inputError) Error() string        { return e.msg }
func (e *inputError) Is(target error) bool { return target == e.class }

func invalidf(format string, args ...any) error {
	return &inputError{class: ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

func conflictf(format string, args ...any) error {
	return &inputError{class: ErrConflict, msg: fmt.Sprintf(format, args...)}
}

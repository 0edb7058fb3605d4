package bundle

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
)

// csvMarkerPrefix starts the operator-sdk markers that describe a kind
// (displayName, resources) or one of its fields (type, displayName,
// xDescriptors) in the CSV.
const csvMarkerPrefix = "+operator-sdk:csv:customresourcedefinitions:"

// csvMarker is one parsed +operator-sdk:csv:customresourcedefinitions marker.
type csvMarker struct {
	// Type is "spec" or "status" on fields, empty on kinds.
	Type         string
	DisplayName  string
	XDescriptors []string
	Resources    []v1alpha1.APIResourceReference
}

// parseCSVMarker parses the text after "//" of a comment line. ok is false
// when the line is not a CSV marker; a malformed marker is an error, so a
// typo never drops a descriptor silently.
func parseCSVMarker(line string) (m csvMarker, ok bool, err error) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, csvMarkerPrefix) {
		return csvMarker{}, false, nil
	}
	args, err := splitTopLevel(strings.TrimPrefix(line, csvMarkerPrefix))
	if err != nil {
		return csvMarker{}, true, fmt.Errorf("marker %q: %w", line, err)
	}
	for _, arg := range args {
		key, val, found := strings.Cut(arg, "=")
		if !found {
			return csvMarker{}, true, fmt.Errorf("marker %q: argument %q is not key=value", line, arg)
		}
		if err := m.set(key, val); err != nil {
			return csvMarker{}, true, fmt.Errorf("marker %q: %s: %w", line, key, err)
		}
	}
	return m, true, nil
}

func (m *csvMarker) set(key, val string) error {
	switch key {
	case "type":
		s, err := scalar(val)
		if err != nil {
			return err
		}
		if s != "spec" && s != "status" {
			return fmt.Errorf("want spec or status, got %q", s)
		}
		m.Type = s
	case "displayName":
		s, err := scalar(val)
		if err != nil {
			return err
		}
		m.DisplayName = s
	case "xDescriptors":
		items, err := list(val)
		if err != nil {
			return err
		}
		for _, it := range items {
			s, err := scalar(it)
			if err != nil {
				return err
			}
			m.XDescriptors = append(m.XDescriptors, s)
		}
	case "resources":
		refs, err := resources(val)
		if err != nil {
			return err
		}
		m.Resources = refs
	default:
		return fmt.Errorf("unknown argument (want type, displayName, xDescriptors or resources)")
	}
	return nil
}

// resources parses {{Kind,version,"name"},…}; the name may be "" or left out.
func resources(val string) ([]v1alpha1.APIResourceReference, error) {
	items, err := list(val)
	if err != nil {
		return nil, err
	}
	var refs []v1alpha1.APIResourceReference
	for _, it := range items {
		parts, err := list(it)
		if err != nil {
			return nil, err
		}
		if len(parts) != 2 && len(parts) != 3 {
			return nil, fmt.Errorf("resource %s: want {Kind,version[,name]}", it)
		}
		var fields [3]string
		for i, p := range parts {
			if fields[i], err = scalar(p); err != nil {
				return nil, err
			}
		}
		if fields[0] == "" || fields[1] == "" {
			return nil, fmt.Errorf("resource %s: kind and version are required", it)
		}
		refs = append(refs, v1alpha1.APIResourceReference{Kind: fields[0], Version: fields[1], Name: fields[2]})
	}
	return refs, nil
}

// scalar is a quoted Go string or a bare word.
func scalar(val string) (string, error) {
	val = strings.TrimSpace(val)
	if strings.HasPrefix(val, `"`) || strings.HasPrefix(val, "`") {
		s, err := strconv.Unquote(val)
		if err != nil {
			return "", fmt.Errorf("bad string %s: %w", val, err)
		}
		return s, nil
	}
	if strings.ContainsAny(val, `{},"`) {
		return "", fmt.Errorf("want a string, got %s", val)
	}
	return val, nil
}

// list is {a,b,…}: the elements, split at top-level commas.
func list(val string) ([]string, error) {
	val = strings.TrimSpace(val)
	if !strings.HasPrefix(val, "{") || !strings.HasSuffix(val, "}") {
		return nil, fmt.Errorf("want {…}, got %s", val)
	}
	return splitTopLevel(val[1 : len(val)-1])
}

// splitTopLevel splits s at commas outside braces and quotes.
func splitTopLevel(s string) ([]string, error) {
	var out []string
	depth, start := 0, 0
	var quote rune
	escaped := false
	for i, r := range s {
		switch {
		case escaped:
			escaped = false
		case quote != 0:
			if r == '\\' && quote == '"' {
				escaped = true
			} else if r == quote {
				quote = 0
			}
		case r == '"' || r == '`':
			quote = r
		case r == '{':
			depth++
		case r == '}':
			if depth--; depth < 0 {
				return nil, fmt.Errorf("unbalanced } in %s", s)
			}
		case r == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	if quote != 0 || depth != 0 {
		return nil, fmt.Errorf("unterminated quote or brace in %s", s)
	}
	if last := strings.TrimSpace(s[start:]); last != "" || len(out) > 0 {
		out = append(out, last)
	}
	for _, p := range out {
		if p == "" {
			return nil, fmt.Errorf("empty element in %s", s)
		}
	}
	return out, nil
}

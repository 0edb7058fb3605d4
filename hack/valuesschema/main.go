// Command valuesschema generates helm-charts/nats-cluster/values.schema.json
// from values.ChartValues (`make generate`): the chart's values are the Go
// type's JSON form, so the schema is reflected from it, with the Go doc
// comments as descriptions, every struct closed (the translator decodes
// with DisallowUnknownFields) and the bounds of values.SchemaRules.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/invopop/jsonschema"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/nats-operator/nats-operator/internal/values"
)

const module = "github.com/nats-operator/nats-operator"

func main() {
	out := flag.String("out", "helm-charts/nats-cluster/values.schema.json", "file to write")
	src := flag.String("src", "./internal/values", "Go source of package values, for the descriptions")
	flag.Parse()
	schema, err := generate(*src)
	if err == nil {
		err = os.WriteFile(*out, schema, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "valuesschema:", err)
		os.Exit(1)
	}
}

func generate(src string) ([]byte, error) {
	r := &jsonschema.Reflector{
		ExpandedStruct: true,
		Anonymous:      true,
		// Nothing is required: values.yaml supplies every key.
		RequiredFromJSONSchemaTags: true,
		Mapper:                     k8sScalars,
		Namer:                      defName,
	}
	if err := r.AddGoComments(module, src); err != nil {
		return nil, fmt.Errorf("reading the doc comments of %s: %w", src, err)
	}
	s := r.Reflect(&values.ChartValues{})
	s.Title = "nats-cluster chart values"
	s.Description = "Generated from values.ChartValues by hack/valuesschema (make generate); do not edit. " +
		"Unknown keys are refused, as the operator's translator refuses them, so a misspelled value fails loudly."
	for _, rule := range values.SchemaRules() {
		at, err := resolve(s, values.SchemaPathSegments(rule.Path))
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", rule.Path, err)
		}
		for k, v := range rule.Keywords {
			if err := setKeyword(at, k, v); err != nil {
				return nil, fmt.Errorf("rule %s: %w", rule.Path, err)
			}
		}
	}
	walk(s, map[*jsonschema.Schema]bool{}, allowNull)
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// k8sScalars are the Kubernetes types whose JSON form is not their Go
// struct: a quantity (10Gi or 0.5) and an int-or-string.
func k8sScalars(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[resource.Quantity](), reflect.TypeFor[intstr.IntOrString]():
		return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, {Type: "number"}}}
	}
	return nil
}

// defName names a type's $defs entry: its own name for package values, the
// package path too for the Kubernetes types (core.v1.Capabilities is not
// values.Capabilities).
func defName(t reflect.Type) string {
	if t.Name() == "" || t.PkgPath() == "" || t.PkgPath() == reflect.TypeFor[values.ChartValues]().PkgPath() {
		return "" // the reflector's default, the type's own name
	}
	pkg := strings.TrimPrefix(t.PkgPath(), "k8s.io/api/")
	return strings.NewReplacer("/", ".", "~", ".").Replace(pkg) + "." + t.Name()
}

// resolve follows path (keys, "[]" for items, "{}" for map values) from s,
// through the $defs the reflector shares between fields of one type.
func resolve(root *jsonschema.Schema, path []string) (*jsonschema.Schema, error) {
	at := root
	for i, seg := range path {
		at = deref(root, at)
		var next *jsonschema.Schema
		switch seg {
		case "[]":
			next = at.Items
		case "{}":
			next = at.AdditionalProperties
		default:
			if at.Properties != nil {
				next, _ = at.Properties.Get(seg)
			}
		}
		if next == nil {
			return nil, fmt.Errorf("no value at %s", strings.Join(path[:i+1], "."))
		}
		at = next
	}
	return deref(root, at), nil
}

func deref(root, s *jsonschema.Schema) *jsonschema.Schema {
	if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok {
		return root.Definitions[name]
	}
	return s
}

// setKeyword sets a JSON Schema keyword the reflector's Schema has a field for.
func setKeyword(s *jsonschema.Schema, k string, v any) error {
	num := func() json.Number { return json.Number(fmt.Sprint(v)) }
	count := func() *uint64 { n := uint64(reflect.ValueOf(v).Convert(reflect.TypeFor[uint64]()).Uint()); return &n }
	switch k {
	case "minimum":
		s.Minimum = num()
	case "maximum":
		s.Maximum = num()
	case "maxLength":
		s.MaxLength = count()
	case "minItems":
		s.MinItems = count()
	case "maxItems":
		s.MaxItems = count()
	case "maxProperties":
		s.MaxProperties = count()
	case "pattern":
		s.Pattern = v.(string)
	case "enum":
		s.Enum = v.([]any)
	default:
		return fmt.Errorf("keyword %q is not supported by the generator", k)
	}
	return nil
}

// allowNull unwraps descriptions and lets lists and maps be null. Go encodes a nil list or map as null and decodes null into
// one, so every list and map (an object without properties of its own)
// may be null, as Helm may hand it over.
func allowNull(s *jsonschema.Schema) {
	s.Description = strings.Join(strings.Fields(s.Description), " ") // one line, as Helm prints it
	if s.Type == "array" || (s.Type == "object" && s.Properties.Len() == 0) {
		if s.Extras == nil {
			s.Extras = map[string]any{}
		}
		s.Extras["type"] = []string{s.Type, "null"}
		s.Type = ""
	}
}

// walk calls f on every schema under s once.
func walk(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool, f func(*jsonschema.Schema)) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for _, d := range s.Definitions {
		walk(d, seen, f)
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			walk(p.Value, seen, f)
		}
	}
	walk(s.Items, seen, f)
	walk(s.AdditionalProperties, seen, f)
	for _, sub := range append(append(s.AnyOf, s.OneOf...), s.AllOf...) {
		walk(sub, seen, f)
	}
	f(s)
}

package bundle

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/operator-framework/api/pkg/operators/v1alpha1"
)

// APIDescription is what the Go source of an API version says about its
// kinds for the CSV.
type APIDescription struct {
	// Package is the Go package name, which must be the API version.
	Package string
	// Kinds maps each root kind to its owned-CRD description (without the
	// CRD name and version, which come from the CRD).
	Kinds map[string]v1alpha1.CRDDescription
}

// goType is a named struct type of the API package.
type goType struct {
	doc    *ast.CommentGroup
	fields *ast.StructType
}

// LoadAPI reads the Go files of one API version (not its tests) and collects
// the +operator-sdk:csv markers: the kind's displayName and resources, and
// a spec or status descriptor for each marked field, with the field's doc
// comment as description. A marker that no kind's spec or status reaches is
// an error, so descriptors never go missing without notice.
func LoadAPI(dir string) (*APIDescription, error) {
	types, pkg, err := parseStructs(dir)
	if err != nil {
		return nil, err
	}
	w := walker{types: types, used: map[*ast.Field]bool{}}
	api := &APIDescription{Package: pkg, Kinds: map[string]v1alpha1.CRDDescription{}}
	for _, name := range sortedKeys(types) {
		t := types[name]
		if !hasMarker(t.doc, "+kubebuilder:object:root=true") || fieldNamed(t.fields, "spec") == nil {
			continue // lists and helper types
		}
		d, err := w.kind(name, t)
		if err != nil {
			return nil, err
		}
		api.Kinds[name] = d
	}
	if err := w.unusedMarkers(); err != nil {
		return nil, err
	}
	return api, nil
}

func parseStructs(dir string) (map[string]goType, string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, "", err
	}
	fset := token.NewFileSet()
	types := map[string]goType{}
	pkg := ""
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, "", err
		}
		file, err := parser.ParseFile(fset, f, src, parser.ParseComments)
		if err != nil {
			return nil, "", fmt.Errorf("parsing API source: %w", err)
		}
		pkg = file.Name.Name
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				types[ts.Name.Name] = goType{doc: doc, fields: st}
			}
		}
	}
	if len(types) == 0 {
		return nil, "", fmt.Errorf("no Go struct types in %s", dir)
	}
	return types, pkg, nil
}

type walker struct {
	types map[string]goType
	// used records the fields whose markers became descriptors.
	used map[*ast.Field]bool
}

func (w *walker) kind(name string, t goType) (v1alpha1.CRDDescription, error) {
	d := v1alpha1.CRDDescription{Kind: name, DisplayName: name, Description: docText(t.doc)}
	ms, err := markers(t.doc)
	if err != nil {
		return d, fmt.Errorf("kind %s: %w", name, err)
	}
	for _, m := range ms {
		if m.Type != "" || len(m.XDescriptors) > 0 {
			return d, fmt.Errorf("kind %s: type and xDescriptors belong on fields, not on the kind", name)
		}
		if m.DisplayName != "" {
			d.DisplayName = m.DisplayName
		}
		d.Resources = append(d.Resources, m.Resources...)
	}
	for _, part := range []string{"spec", "status"} {
		f := fieldNamed(t.fields, part)
		if f == nil {
			continue
		}
		descs, err := w.fields(f.Type, part, "", map[string]bool{})
		if err != nil {
			return d, fmt.Errorf("kind %s: %w", name, err)
		}
		for _, x := range descs {
			if part == "spec" {
				d.SpecDescriptors = append(d.SpecDescriptors, v1alpha1.SpecDescriptor(x))
			} else {
				d.StatusDescriptors = append(d.StatusDescriptors, x)
			}
		}
	}
	return d, nil
}

// fields walks the struct behind expr and returns a descriptor for every
// marked field, with its JSON path below spec or status.
func (w *walker) fields(expr ast.Expr, part, prefix string, seen map[string]bool) ([]v1alpha1.StatusDescriptor, error) {
	name := structName(expr)
	t, ok := w.types[name]
	if !ok || seen[name] {
		return nil, nil
	}
	seen[name] = true
	defer delete(seen, name)
	var out []v1alpha1.StatusDescriptor
	for _, f := range t.fields.Fields.List {
		jsonName, inline := jsonField(f)
		if jsonName == "-" || (jsonName == "" && !inline) {
			continue
		}
		path := prefix
		if !inline {
			path = joinPath(prefix, jsonName)
		}
		ms, err := markers(f.Doc)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", part, path, err)
		}
		for _, m := range ms {
			if m.Type != part {
				return nil, fmt.Errorf("%s.%s: marker type=%q, want type=%s", part, path, m.Type, part)
			}
			if len(m.Resources) > 0 {
				return nil, fmt.Errorf("%s.%s: resources belong on the kind, not on a field", part, path)
			}
			w.used[f] = true
			out = append(out, v1alpha1.StatusDescriptor{
				Path: path, DisplayName: m.DisplayName, Description: docText(f.Doc), XDescriptors: m.XDescriptors,
			})
		}
		nested, err := w.fields(f.Type, part, path, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, nested...)
	}
	return out, nil
}

// unusedMarkers reports field markers that no kind reached: on a type used
// only through a slice or map, or on a type no kind uses.
func (w *walker) unusedMarkers() error {
	for _, name := range sortedKeys(w.types) {
		for _, f := range w.types[name].fields.Fields.List {
			ms, err := markers(f.Doc)
			if err != nil {
				return fmt.Errorf("type %s: %w", name, err)
			}
			if len(ms) > 0 && !w.used[f] {
				return fmt.Errorf("type %s: field %s has a CSV marker but is not reachable from a kind's spec or status through struct fields", name, fieldLabel(f))
			}
		}
	}
	return nil
}

// markers returns the CSV markers of a comment group.
func markers(doc *ast.CommentGroup) ([]csvMarker, error) {
	if doc == nil {
		return nil, nil
	}
	var out []csvMarker
	for _, c := range doc.List {
		m, ok, err := parseCSVMarker(strings.TrimPrefix(c.Text, "//"))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, m)
		}
	}
	return out, nil
}

func hasMarker(doc *ast.CommentGroup, marker string) bool {
	if doc == nil {
		return false
	}
	for _, c := range doc.List {
		if strings.TrimSpace(strings.TrimPrefix(c.Text, "//")) == marker {
			return true
		}
	}
	return false
}

// docText is a doc comment without its marker lines, as one paragraph.
func docText(doc *ast.CommentGroup) string {
	if doc == nil {
		return ""
	}
	var words []string
	for _, line := range strings.Split(doc.Text(), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "+") {
			continue
		}
		words = append(words, line)
	}
	return strings.Join(words, " ")
}

// jsonField is the JSON name of a field and whether it is inlined.
func jsonField(f *ast.Field) (name string, inline bool) {
	if f.Tag == nil {
		return "", false
	}
	tag := reflect.StructTag(strings.Trim(f.Tag.Value, "`")).Get("json")
	name, opts, _ := strings.Cut(tag, ",")
	return name, strings.Contains(","+opts+",", ",inline,")
}

func fieldNamed(st *ast.StructType, jsonName string) *ast.Field {
	for _, f := range st.Fields.List {
		if n, _ := jsonField(f); n == jsonName {
			return f
		}
	}
	return nil
}

// structName is the type name behind T or *T; other shapes (slices, maps,
// other packages) are not walked.
func structName(expr ast.Expr) string {
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	if id, ok := expr.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func fieldLabel(f *ast.Field) string {
	if len(f.Names) > 0 {
		return f.Names[0].Name
	}
	return structName(f.Type)
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

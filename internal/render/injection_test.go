package render_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/conf"
	"helm.sh/helm/v3/pkg/releaseutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
	"github.com/nats-operator/nats-operator/internal/values"
)

// payloads broke the template encoder: nats.conf text through a typed
// field, manifest text through an unquoted value, a credential through a
// variable reference.
var payloads = []string{
	`<< x }, authorization { users: [ {user: evil, password: evilpw} ] }, gateway { name: x >>`,
	"x\"\n}\nauthorization { users: [ {user: evil, password: evilpw} ] }\n#",
	"x\n  authorization { users: [ {user: evil, password: evilpw} ] }",
	`$ROUTE_PASSWORD`,
	`$(ROUTE_PASSWORD)`,
	"fast\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: evil, namespace: kube-system}",
	"nats\nworkingDir: /x",
	"a\", \"b: c",
}

// shape is what a render must keep whatever a string field holds: the set of
// objects, the field paths of each object, and the key paths of nats.conf.
type shape struct {
	objects map[string][]string // "Kind/name" -> sorted field paths
	conf    []string
}

// TestNoStringFieldIsTemplateText sets every string field of a NatsCluster
// that uses every feature, one at a time, to each payload. A render either
// refuses the spec or keeps the shape of the baseline: no object added, no
// field added to an object, no nats.conf key added. It failed on the
// template encoder, through gatewayConfig.name, websocketConfig's timeout,
// leafnode remote URLs, the JetStream storage class and serverImage.
func TestNoStringFieldIsTemplateText(t *testing.T) {
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	bases := map[string]string{
		"everything":  filepath.Join("testdata", "everything.yaml"),
		"clientsFile": filepath.Join("testdata", "clientsfile.yaml"),
		// The callout sidecar's arguments carry the client TLS file names.
		"callout": filepath.Join("testdata", "callout.yaml"),
	}
	for baseName, file := range bases {
		base := readSpec(t, file)
		want := shapeOf(t, mustRender(t, r, base))
		paths := stringPaths(base, nil)
		if len(paths) < 10 {
			t.Fatalf("%s: only %d string fields found; the walk is broken", baseName, len(paths))
		}
		refused, kept := 0, 0
		for _, p := range paths {
			for _, payload := range payloads {
				spec := readSpec(t, file)
				setPath(spec, p, payload)
				out, err := renderSpec(r, spec)
				if err != nil {
					refused++
					continue
				}
				kept++
				got := shapeOf(t, out)
				if msg := diffShape(want, got); msg != "" {
					t.Errorf("%s: %s = %q changed the render's shape: %s", baseName, strings.Join(p, "."), payload, msg)
				}
			}
		}
		t.Logf("%s: %d string fields, %d renders refused, %d kept their shape", baseName, len(paths), refused, kept)
		if kept == 0 {
			t.Errorf("%s: every payload was refused; the test shows nothing about encoding", baseName)
		}
	}
}

// TestConfigMergeCannotAddAuth: config.merge values are values, and keys
// that define who may connect are the operator's.
func TestConfigMergeCannotAddAuth(t *testing.T) {
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	for name, merge := range map[string]any{
		"owned key":           map[string]any{"authorization": map[string]any{"users": []any{map[string]any{"user": "evil", "password": "evilpw"}}}},
		"owned nested key":    map[string]any{"websocket": map[string]any{"no_auth_user": "evil"}},
		"owned key any case":  map[string]any{"Authorization": map[string]any{"token": "x"}},
		"listener":            map[string]any{"port": 1},
		"include in a value":  map[string]any{"max_payload": "<< 1MB\ninclude /etc/passwd >>"},
		"brace in a literal":  map[string]any{"max_payload": "<< 1 }, authorization { token: x } >>"},
		"credential variable": map[string]any{"server_tags": []any{"<< $ROUTE_PASSWORD >>"}},
		"key with brace":      map[string]any{"x}": 1},
	} {
		spec := readSpec(t, filepath.Join("testdata", "everything.yaml"))
		setPath(spec, []string{"spec", "chartValues", "config", "merge"}, merge)
		if _, err := renderSpec(r, spec); err == nil {
			t.Errorf("%s: config.merge %v rendered", name, merge)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	// What the official chart's users write keeps working, with its meaning.
	spec := readSpec(t, filepath.Join("testdata", "everything.yaml"))
	setPath(spec, []string{"spec", "chartValues", "config", "merge"}, map[string]any{
		"max_payload": "<< 8MB >>", "ping_interval": "<< 2m >>", "write_deadline": "<< 10s >>", "server_tags": []any{"<< $POD_NAME >>", "region: east }"},
		"jetstream": map[string]any{"max_outstanding_catchup": "<< 64MB >>"},
	})
	out, err := renderSpec(r, spec)
	if err != nil {
		t.Fatal(err)
	}
	text := natsConfOf(t, out)
	for _, want := range []string{"max_payload: 8MB", `ping_interval: "2m"`, `"region: east }"`, "$POD_NAME", "max_outstanding_catchup: 64MB"} {
		if !strings.Contains(text, want) {
			t.Errorf("nats.conf lacks %s:\n%s", want, text)
		}
	}
}

func readSpec(t *testing.T, file string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// renderSpec renders a NatsCluster without the CRD's admission checks: the
// encoding must hold by itself, whatever the schema lets through.
func renderSpec(r *render.Renderer, spec map[string]any) (string, error) {
	u := &unstructured.Unstructured{Object: spec}
	vals, err := values.Translator{Defaults: r.Chart().Values}.Translate(context.Background(), u)
	if err != nil {
		return "", err
	}
	return r.RenderValues(u.GetName(), u.GetNamespace(), vals)
}

func mustRender(t *testing.T, r *render.Renderer, spec map[string]any) string {
	t.Helper()
	out, err := renderSpec(r, spec)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// stringPaths are the paths of the string values under spec, list items
// included; map keys are not walked (they are not values).
func stringPaths(v any, at []string) [][]string {
	var out [][]string
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			if len(at) == 0 && k != "spec" {
				continue
			}
			out = append(out, stringPaths(sub, append(append([]string{}, at...), k))...)
		}
	case []any:
		for i, sub := range t {
			out = append(out, stringPaths(sub, append(append([]string{}, at...), fmt.Sprintf("[%d]", i)))...)
		}
	case string:
		out = append(out, at)
	}
	sort.Slice(out, func(i, j int) bool { return strings.Join(out[i], ".") < strings.Join(out[j], ".") })
	return out
}

func setPath(root map[string]any, p []string, value any) {
	var cur any = root
	for i, k := range p {
		last := i == len(p)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = value
				return
			}
			if _, ok := c[k]; !ok {
				c[k] = map[string]any{}
			}
			cur = c[k]
		case []any:
			var idx int
			_, _ = fmt.Sscanf(k, "[%d]", &idx)
			if last {
				c[idx] = value
				return
			}
			cur = c[idx]
		}
	}
}

func shapeOf(t *testing.T, manifest string) shape {
	t.Helper()
	s := shape{objects: map[string][]string{}}
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("rendered YAML does not parse: %v\n%s", err, doc)
		}
		if obj == nil {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		key := fmt.Sprintf("%v/%v/%v", obj["kind"], meta["namespace"], meta["name"])
		s.objects[key] = fieldPaths(obj, "")
		if obj["kind"] == "ConfigMap" {
			var cm corev1.ConfigMap
			if err := yaml.Unmarshal([]byte(doc), &cm); err != nil {
				t.Fatal(err)
			}
			s.conf = confPaths(t, cm.Data[confcheck.ConfigKey])
		}
	}
	return s
}

// fieldPaths lists the paths of an object; the keys of label, annotation
// and selector maps are values, so they are not part of the shape.
func fieldPaths(v any, at string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, sub := range t {
			switch k {
			case "labels", "annotations", "matchLabels", "nodeSelector", "selector":
				out = append(out, at+"."+k)
				continue
			}
			out = append(out, fieldPaths(sub, at+"."+k)...)
		}
	case []any:
		for _, sub := range t {
			out = append(out, fieldPaths(sub, at+"[]")...)
		}
	default:
		out = append(out, at)
	}
	sort.Strings(out)
	return dedupe(out)
}

var (
	includeLine = regexp.MustCompile(`(?m)^\s*include\s+"[^"]*"\s*$`)
	variableRef = regexp.MustCompile(`[:=]\s*\$([A-Z_][A-Z0-9_]*)`)
)

// confPaths parses nats.conf with the server's parser, includes left out
// and variables defined, and lists its key paths.
func confPaths(t *testing.T, text string) []string {
	t.Helper()
	text = includeLine.ReplaceAllString(text, "")
	var defs strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if m := variableRef.FindStringSubmatch(line); m != nil {
			fmt.Fprintf(&defs, "%s: \"v\"\n", m[1])
		}
	}
	m, err := conf.Parse(defs.String() + text)
	if err != nil {
		t.Fatalf("rendered nats.conf does not parse: %v\n%s", err, text)
	}
	return fieldPaths(m, "")
}

func diffShape(want, got shape) string {
	for key := range got.objects {
		if _, ok := want.objects[key]; !ok {
			return "added object " + key
		}
	}
	for key, paths := range want.objects {
		g, ok := got.objects[key]
		if !ok {
			continue // an object may go (a disabled feature); it can't be added
		}
		if extra := minus(g, paths); len(extra) > 0 {
			return fmt.Sprintf("%s gained fields %v", key, extra)
		}
	}
	if extra := minus(got.conf, want.conf); len(extra) > 0 {
		return fmt.Sprintf("nats.conf gained keys %v", extra)
	}
	return ""
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func natsConfOf(t *testing.T, manifest string) string {
	t.Helper()
	for _, doc := range releaseutil.SplitManifests(manifest) {
		var cm corev1.ConfigMap
		if err := yaml.Unmarshal([]byte(doc), &cm); err == nil && cm.Kind == "ConfigMap" {
			return cm.Data[confcheck.ConfigKey]
		}
	}
	t.Fatal("no ConfigMap rendered")
	return ""
}

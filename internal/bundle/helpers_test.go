package bundle

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// grants is a set of group/resource/verb triples ("*" verbs included).
type grants map[[3]string]bool

func (g grants) add(rules []rbacv1.PolicyRule) {
	for _, r := range rules {
		for _, grp := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					g[[3]string{grp, res, v}] = true
				}
			}
		}
		for _, u := range r.NonResourceURLs {
			for _, v := range r.Verbs {
				g[[3]string{"", u, v}] = true
			}
		}
	}
}

// missingFrom lists the triples of g that have does not grant.
func (g grants) missingFrom(have grants) []string {
	var out []string
	for k := range g {
		if !have[k] && !have[[3]string{k[0], k[1], rbacv1.VerbAll}] {
			out = append(out, strings.Join(k[:], " "))
		}
	}
	sort.Strings(out)
	return out
}

// configRBAC reads every rule of every Role and ClusterRole in config/rbac
// straight from the files, independently of the generator.
func configRBAC(t *testing.T) grants {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*.yaml", "generated/*.yaml"} {
		m, err := filepath.Glob(filepath.Join(repoRoot(), "config", "rbac", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	g := grants{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(raw), 4096)
		for {
			var obj map[string]any
			if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if kind, _ := obj["kind"].(string); kind != "Role" && kind != "ClusterRole" {
				continue
			}
			var role rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj, &role); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			g.add(role.Rules)
		}
	}
	if len(g) == 0 {
		t.Fatal("no rules found in config/rbac")
	}
	return g
}

// repoRoot is the repository's top directory, from this file's path. (Not
// internal/testutil: that pulls in the whole operator, and these tests
// should only need the bundle's own inputs to build.)
func repoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

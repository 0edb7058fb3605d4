package confcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	natsconf "github.com/nats-io/nats-server/v2/conf"
)

// includeMarker starts the one key each stand-in include file sets in
// loadTree, so that the parsed tree shows where every include landed.
const includeMarker = "nats_operator_guard_include_"

// configTree is nats.conf as nats-server's parser reads it, with every
// include replaced by a marker.
type configTree struct {
	root map[string]any
	// includedAt maps each included file to the blocks it landed in, as
	// lower-case dotted paths ("" is the top level).
	includedAt map[string][]string
	// repeated lists keys set twice in one block under different cases:
	// the server reads keys case-insensitively and picks one at random.
	repeated []string
}

// loadTree parses conf the way nats-server does before it interprets the
// options: variables resolved, includes read in place.
func loadTree(conf string, env Env) (*configTree, error) {
	dir, err := os.MkdirTemp("", "nats-conf-tree-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	rels, err := includes(conf)
	if err != nil {
		return nil, err
	}
	markerOf := map[string]string{}
	fileOf := map[string]string{}
	for i, rel := range rels {
		m := fmt.Sprintf("%s%d", includeMarker, i)
		markerOf[rel], fileOf[m] = m, rel
	}
	path := filepath.Join(dir, ConfigKey)
	if err := os.WriteFile(path, []byte(withVariables(conf, env)), 0o600); err != nil {
		return nil, err
	}
	if err := stubIncludes(dir, conf, func(rel string) string { return markerOf[rel] + ": true\n" }); err != nil {
		return nil, err
	}
	root, err := natsconf.ParseFile(path)
	if err != nil {
		msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), dir+string(filepath.Separator), "")
		return nil, fmt.Errorf("nats.conf does not parse: %s", msg)
	}
	t := &configTree{root: root, includedAt: map[string][]string{}}
	variables := map[string]bool{}
	for _, n := range referenced(conf, env) {
		variables[n] = true
	}
	t.walk(root, "", fileOf, variables)
	sort.Strings(t.repeated)
	return t, nil
}

// walk records the markers and the repeated keys below block m at path.
// Top-level variables the check defined itself are skipped.
func (t *configTree) walk(m map[string]any, path string, fileOf map[string]string, variables map[string]bool) {
	seen := map[string]int{}
	for k, v := range m {
		if file, ok := fileOf[k]; ok {
			t.includedAt[file] = append(t.includedAt[file], path)
			continue
		}
		if path == "" && variables[k] {
			continue
		}
		lk := strings.ToLower(k)
		if seen[lk]++; seen[lk] == 2 {
			t.repeated = append(t.repeated, join(path, lk))
		}
		t.walkValue(v, join(path, lk), fileOf)
	}
}

func (t *configTree) walkValue(v any, path string, fileOf map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		t.walk(v, path, fileOf, nil)
	case []any:
		for _, e := range v {
			t.walkValue(e, path+"[]", fileOf)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// block returns the block at the lower-case dotted path, looking keys up
// case-insensitively, and whether it exists.
func (t *configTree) block(path ...string) (map[string]any, bool) {
	cur := t.root
	for _, p := range path {
		next, ok := lookup(cur, p).(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// value returns the value of key in the top-level block.
func (t *configTree) value(key string) any { return lookup(t.root, key) }

// present lists which of keys the top-level block sets.
func (t *configTree) present(keys ...string) []string {
	var out []string
	for _, k := range keys {
		if lookup(t.root, k) != nil {
			out = append(out, k)
		}
	}
	return out
}

func lookup(m map[string]any, key string) any {
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// ownKeys lists the keys of block m that are not include markers, sorted.
func ownKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		if !strings.HasPrefix(k, includeMarker) {
			out = append(out, strings.ToLower(k))
		}
	}
	sort.Strings(out)
	return out
}

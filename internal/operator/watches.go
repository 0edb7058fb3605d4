package operator

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/operator-framework/helm-operator-plugins/pkg/watches"
	"sigs.k8s.io/yaml"
)

// LoadWatches reads watches.yaml with helm-operator-plugins' own parser
// (environment expansion and templates in overrideValues, defaults, GVK
// checks). A relative chart path is resolved against the working directory,
// as the library does, and failing that against the watches file's
// directory, so the operator runs from any directory.
func LoadWatches(path string) ([]watches.Watch, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading watches file: %w", err)
	}
	var entries []map[string]any
	if err := yaml.Unmarshal(raw, &entries); err != nil {
		return nil, fmt.Errorf("watches file %s: %w", path, err)
	}
	for _, e := range entries {
		chart, _ := e["chart"].(string)
		if chart == "" || filepath.IsAbs(chart) {
			continue
		}
		if _, err := os.Stat(chart); err != nil {
			e["chart"] = filepath.Join(filepath.Dir(path), chart)
		}
	}
	resolved, err := yaml.Marshal(entries)
	if err != nil {
		return nil, err
	}
	ws, err := watches.LoadReader(bytes.NewReader(resolved))
	if err != nil {
		return nil, fmt.Errorf("watches file %s: %w", path, err)
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("watches file %s has no entries", path)
	}
	return ws, nil
}

package bundle

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kustomizeManifests runs bin/kustomize (make tools) on config/manifests.
func kustomizeManifests(t *testing.T) []byte {
	t.Helper()
	root := repoRoot()
	bin := filepath.Join(root, "bin", "kustomize")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("bin/kustomize is missing: run `make tools` (make test does): %v", err)
	}
	cmd := exec.Command(bin, "build", filepath.Join(root, "config", "manifests"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build config/manifests: %v\n%s", err, stderr.String())
	}
	return out
}

// committedOptions recovers the Makefile's release facts from the
// committed bundle, so the test regenerates with what `make bundle` used.
func committedOptions(t *testing.T) Options {
	t.Helper()
	b := committedBundle(t)
	root := repoRoot()
	return Options{
		Package:        b.Package,
		Version:        b.CSV.Spec.Version.String(),
		Channels:       b.Channels,
		DefaultChannel: b.DefaultChannel,
		OperatorImage:  b.CSV.Annotations["containerImage"],
		APIDir:         filepath.Join(root, "api", "v1alpha2"),
		CRDDir:         filepath.Join(root, "config", "crd", "bases"),
	}
}

// TestGenerateReproducesCommittedFiles generates into a temporary directory
// and requires the same files, byte for byte, as committed: bundle/,
// bundle.Dockerfile and the operator chart's generated files. It fails when
// config/ or api/ changed without `make bundle`.
func TestGenerateReproducesCommittedFiles(t *testing.T) {
	manifests := kustomizeManifests(t)
	opts := committedOptions(t)
	files, err := Generate(bytes.NewReader(manifests), opts)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	if err := files.Write(tmp); err != nil {
		t.Fatal(err)
	}
	root := repoRoot()
	got, want := treeFiles(t, tmp), treeFiles(t, root)
	for p := range want {
		if _, ok := got[p]; !ok {
			t.Errorf("%s is committed but no longer generated: run make bundle", p)
		}
	}
	for p, content := range got {
		committed, ok := want[p]
		switch {
		case !ok:
			t.Errorf("%s is generated but not committed: run make bundle", p)
		case !bytes.Equal(content, committed):
			t.Errorf("%s differs from the committed file (run make bundle): %s", p, firstDiff(committed, content))
		}
	}

	// Same inputs, same bytes: a second run changes nothing.
	again, err := Generate(bytes.NewReader(manifests), opts)
	if err != nil {
		t.Fatal(err)
	}
	for p := range files {
		if !bytes.Equal(files[p], again[p]) {
			t.Errorf("%s differs between two runs on the same input: %s", p, firstDiff(files[p], again[p]))
		}
	}
}

// treeFiles reads every generated file under root: the generated
// directories and the generated single files.
func treeFiles(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, d := range generatedDirs {
		err := filepath.WalkDir(filepath.Join(root, d), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			raw, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			out[filepath.ToSlash(rel)] = raw
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	for _, f := range []string{DockerfilePath, ChartRBACFile, ChartImagesFile} {
		if raw, err := os.ReadFile(filepath.Join(root, f)); err == nil {
			out[f] = raw
		}
	}
	return out
}

// firstDiff describes the first line where two files differ.
func firstDiff(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, wl, gl)
		}
	}
	return "same lines, different bytes"
}

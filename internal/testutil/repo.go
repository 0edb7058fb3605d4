// Package testutil holds helpers shared by the tests of several packages.
package testutil

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// RepoRoot is the repository's top directory, found from this file's path
// so that tests work from any package directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// RepoFS is the repository as a file system, the on-disk twin of the assets
// that main.go embeds.
func RepoFS() fs.FS { return os.DirFS(RepoRoot()) }

// Package repofs locates the repository from tests, without pulling in the
// operator (so chart tests build while controllers are being changed).
package repofs

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Root is the repository's top directory, found from this file's path so
// that tests work from any package directory.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// FS is the repository as a file system, the on-disk twin of the assets
// that main.go embeds.
func FS() fs.FS { return os.DirFS(Root()) }

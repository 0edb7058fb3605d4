// Package testutil holds helpers shared by the tests of several packages.
package testutil

import (
	"io/fs"

	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

// RepoRoot is the repository's top directory.
func RepoRoot() string { return repofs.Root() }

// RepoFS is the repository as a file system.
func RepoFS() fs.FS { return repofs.FS() }

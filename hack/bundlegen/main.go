// Command bundlegen generates the OLM bundle from the kustomize output of
// config/manifests on stdin (see internal/bundle and `make bundle`).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/nats-operator/nats-operator/internal/bundle"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bundlegen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("bundlegen", flag.ContinueOnError)
	var o bundle.Options
	fs.StringVar(&o.Package, "package", "", "OLM package name")
	fs.StringVar(&o.Version, "version", "", "operator version (semver, no leading v)")
	channels := fs.String("channels", "", "comma-separated channels")
	fs.StringVar(&o.DefaultChannel, "default-channel", "", "default channel")
	fs.StringVar(&o.OperatorImage, "operator-image", "", "operator image being bundled")
	fs.StringVar(&o.APIDir, "api-dir", "api/v1alpha2", "Go source of the CRDs' storage version")
	fs.StringVar(&o.CRDDir, "crd-dir", "config/crd/bases", "CRD files copied into the operator chart")
	root := fs.String("root", ".", "repository root to write bundle/, bundle.Dockerfile and the chart files under")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v: the manifests come on stdin", fs.Args())
	}
	for _, c := range strings.Split(*channels, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.Channels = append(o.Channels, c)
		}
	}
	files, err := bundle.Generate(os.Stdin, o)
	if err != nil {
		return err
	}
	return files.Write(*root)
}

package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/nats-operator/nats-operator/internal/render"
)

// Render prints, as multi-document YAML, the objects the operator would
// apply for the NatsClusters in a file ("-" for standard input), with no
// cluster. assets holds the chart and the CRDs.
func Render(ctx context.Context, args []string, assets fs.FS, stdin io.Reader, stdout io.Writer) error {
	flags := flag.NewFlagSet("render", flag.ContinueOnError)
	file := flags.String("f", "", `file with one or more NatsClusters ("-" reads standard input)`)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("render needs -f <file>")
	}
	in, err := readInput(*file, stdin)
	if err != nil {
		return err
	}
	r, err := render.New(assets)
	if err != nil {
		return err
	}
	out, err := r.RenderDocuments(ctx, in)
	if err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	_, err = io.WriteString(stdout, out)
	return err
}

func readInput(file string, stdin io.Reader) ([]byte, error) {
	if file == "-" {
		return io.ReadAll(stdin)
	}
	return os.ReadFile(file)
}

package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-operator/nats-operator/internal/cli"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// readmeYAML is the first yaml block of the README section titled heading.
func readmeYAML(t *testing.T, heading string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(raw), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no section %q", heading)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "```yaml\n")
	if !ok {
		t.Fatalf("README section %q has no yaml block", heading)
	}
	block, _, _ = strings.Cut(block, "```")
	return block
}

// TestReadmeMonitoringExampleRendersAServiceMonitor: the README's
// ServiceMonitor example is complete, i.e. it renders the ServiceMonitor
// and the exporter sidecar it scrapes, the way `nats-operator render`
// (and the operator) would.
func TestReadmeMonitoringExampleRendersAServiceMonitor(t *testing.T) {
	example := readmeYAML(t, "## Monitoring")
	var out bytes.Buffer
	if err := cli.Render(context.Background(), []string{"-f", "-"}, testutil.RepoFS(), strings.NewReader(example), &out); err != nil {
		t.Fatalf("render the README example: %v\n%s", err, example)
	}
	for _, want := range []string{"kind: ServiceMonitor", "prometheus-nats-exporter"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the README's monitoring example renders no %q", want)
		}
	}
}

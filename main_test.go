package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The test binary doubles as the operator binary: with this variable set
// it runs main, so the tests see real exit codes and output.
func TestMain(m *testing.M) {
	if os.Getenv("NATS_OPERATOR_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NATS_OPERATOR_RUN_MAIN=1")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func TestRenderEverySample(t *testing.T) {
	samples, err := filepath.Glob("config/samples/nats_v1alpha2_natscluster*.yaml")
	if err != nil || len(samples) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	for _, f := range samples {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, errOut, code := runMain(t, "", "render", "-f", f)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, kind := range []string{"kind: StatefulSet", "kind: Service", "kind: ConfigMap", "kind: PodDisruptionBudget"} {
				if !strings.Contains(out, kind) {
					t.Errorf("output lacks %s", kind)
				}
			}
		})
	}
}

func TestRenderInvalidInputExitsNonZero(t *testing.T) {
	tests := []struct{ name, stdin, want string }{
		{"CEL rule", `{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"a"},"spec":{"tls":{"websocketSecret":"ws"}}}`,
			"tls.websocketSecret requires websocketConfig"},
		{"typo", "apiVersion: nats.io/v1alpha2\nkind: NatsCluster\nmetadata: {name: a}\nspec: {sise: 3}\n", `unknown field "spec.sise"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runMain(t, tt.stdin, "render", "-f", "-")
			if code == 0 || !strings.Contains(errOut, tt.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want non-zero, %q and no output", code, errOut, out, tt.want)
			}
		})
	}
}

func TestUnknownCommand(t *testing.T) {
	_, errOut, code := runMain(t, "", "deploy")
	if code == 0 || !strings.Contains(errOut, `unknown command "deploy"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestImageHasNoEnvtest: envtest creates a cache directory when a program
// starts and panics where it cannot, and the operator's image runs its
// containers (the operator, bootconfig, the callout sidecar) with a
// read-only root filesystem: the binary must not link it (the embedded
// control plane of make run is cmd/nats-operator-local).
func TestImageHasNoEnvtest(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.Contains(pkg, "controller-runtime/pkg/envtest") || strings.Contains(pkg, "controller-runtime/pkg/internal/testing") {
			t.Errorf("the operator's binary links %s", pkg)
		}
	}
}

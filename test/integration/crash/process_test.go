package crash_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

var (
	buildOnce sync.Once
	buildDir  string
	binary    string
	buildErr  error
)

// operatorBinary builds the nats-operator command once per test run, as a
// release would.
func operatorBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		var err error
		if buildDir, err = os.MkdirTemp("", "nats-operator-crash-"); err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(buildDir, "nats-operator")
		cmd := exec.Command("go", "build", "-o", binary, ".")
		cmd.Dir = testutil.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// removeOperatorBinary removes what operatorBinary built.
func removeOperatorBinary() {
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
}

// writeKubeconfig writes a kubeconfig for cfg, the envtest administrator.
func writeKubeconfig(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// operatorProcess is `nats-operator run` in a process of its own, watching
// one namespace.
type operatorProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// startOperator starts the operator binary against the control plane.
func startOperator(t *testing.T, kubeconfig, ns, name string) *operatorProcess {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(operatorBinary(t), "run",
		"--watches-file", filepath.Join(testutil.RepoRoot(), "watches.yaml"),
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0")
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "WATCH_NAMESPACE="+ns)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &operatorProcess{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		_ = logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.kill(t)
		if t.Failed() {
			if out, err := os.ReadFile(logPath); err == nil {
				t.Logf("log of operator %s:\n%s", name, tail(out, 60))
			}
		}
	})
	return p
}

// kill sends SIGKILL, as the OOM killer or a node failure would: no
// deferred code, no final write, and waits until the process is gone.
func (p *operatorProcess) kill(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill operator: %v", err)
	}
	<-p.exited
}

// tail returns the last n lines of out.
func tail(out []byte, n int) string {
	lines := 0
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] == '\n' {
			if lines++; lines > n {
				return string(out[i+1:])
			}
		}
	}
	return string(out)
}

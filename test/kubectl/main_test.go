// Package kubectl runs kubectl itself (bin/kubectl, `make kubectl`) against
// a real kube-apiserver with the operator running: the commands users of
// nats-operator type, and the Makefile's deploy and undeploy targets.
package kubectl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

// The operator watches every namespace, as `make deploy` installs it.
func TestMain(m *testing.M) {
	os.Exit(testutil.RunIntegration(m, &cp, &operator.Options{}))
}

// kubectlPath is $KUBECTL, else the repository's bin/kubectl.
func kubectlPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KUBECTL"); p != "" {
		return p
	}
	p := filepath.Join(testutil.RepoRoot(), "bin", "kubectl")
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no kubectl at %s: run `make kubectl` (make test builds it), or set KUBECTL", p)
	}
	return p
}

// writeKubeconfig writes a kubeconfig for cfg (a client certificate, as
// envtest issues) into dir.
func writeKubeconfig(t *testing.T, cfg *rest.Config, dir string) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// result is what a command printed and how it ended.
type result struct {
	stdout, stderr string
	err            error
}

func (r result) String() string {
	return fmt.Sprintf("err=%v\nstdout:\n%s\nstderr:\n%s", r.err, r.stdout, r.stderr)
}

// run runs name with args, with env added to the test's environment.
func run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// kubectl runs bin/kubectl against one control plane.
type kubectl struct {
	t                    *testing.T
	path, conf, cacheDir string
}

// newKubectl is kubectl with a kubeconfig for cfg.
func newKubectl(t *testing.T, cfg *rest.Config) *kubectl {
	t.Helper()
	// Its own discovery cache: what it learns of one control plane never
	// leaks into a person's ~/.kube/cache or another test.
	return &kubectl{t: t, path: kubectlPath(t), conf: writeKubeconfig(t, cfg, t.TempDir()), cacheDir: t.TempDir()}
}

func (k *kubectl) run(args ...string) result {
	k.t.Helper()
	return run(k.t, []string{"KUBECONFIG=" + k.conf, "KUBECACHEDIR=" + k.cacheDir}, k.path, args...)
}

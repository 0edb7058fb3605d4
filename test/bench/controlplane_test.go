package bench_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// The users the API server's audit log tells apart: the operator process
// and the Helm SDK each get their own, so their writes are counted apart.
const (
	operatorUser = "bench-operator"
	helmUser     = "bench-helm"
)

// auditPolicy logs every request of the two measured users once, when it
// completes, without bodies: enough to count writes, reads and conflicts.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: Metadata
  users: ["` + operatorUser + `", "` + helmUser + `"]
  verbs: ["create", "update", "patch", "delete", "get", "list"]
- level: None
`

// controlPlane is envtest's kube-apiserver and etcd, opened wide enough for
// thousands of clusters and writing the audit log the write counts come from.
type controlPlane struct {
	env      *envtest.Environment
	admin    *rest.Config // the bench's own requests: never audited
	auditLog string
	// kubeconfigs of the measured users, for the operator process and Helm.
	operatorKubeconfig, helmKubeconfig string
}

func startControlPlane(dir string) (*controlPlane, error) {
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, err
	}
	cp := &controlPlane{auditLog: filepath.Join(dir, "audit.log")}
	// envtest logs through controller-runtime; the operator's own log is operator.log.
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	cp.env = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(testutil.RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	args := cp.env.ControlPlane.GetAPIServer().Configure()
	// envtest's default /24 runs out of ClusterIPs at about 250 clusters.
	args.Set("service-cluster-ip-range", "10.0.0.0/16")
	args.Set("audit-policy-file", policy)
	args.Set("audit-log-path", cp.auditLog)
	args.Set("audit-log-format", "json")
	cfg, err := cp.env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest (KUBEBUILDER_ASSETS from hack/testbins/install.sh): %w", err)
	}
	cp.admin = unthrottled(cfg)
	for _, u := range []struct {
		name string
		dst  *string
	}{{operatorUser, &cp.operatorKubeconfig}, {helmUser, &cp.helmKubeconfig}} {
		if *u.dst, err = cp.writeKubeconfig(dir, u.name); err != nil {
			_ = cp.env.Stop()
			return nil, err
		}
	}
	return cp, nil
}

// writeKubeconfig adds a cluster-admin user and writes its kubeconfig.
func (cp *controlPlane) writeKubeconfig(dir, user string) (string, error) {
	au, err := cp.env.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("adding user %s: %w", user, err)
	}
	kc, err := au.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, user+".kubeconfig")
	return path, os.WriteFile(path, kc, 0o600)
}

func (cp *controlPlane) stop() error { return cp.env.Stop() }

// unthrottled lifts client-go's default 5 QPS: the bench measures what the
// operator and Helm cost, not a client-side rate limit of the harness.
func unthrottled(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.QPS, c.Burst = -1, 0
	return c
}

// Package localenv runs the operator on an embedded control plane: the
// kube-apiserver and etcd that envtest starts, with the CRDs installed and
// the operator's manager running in-process.
package localenv

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/procmetrics"
	"github.com/nats-operator/nats-operator/internal/status"
)

// Env is a running control plane with the operator.
type Env struct {
	Kubeconfig string
	Client     client.Client

	dir     string
	testEnv *envtest.Environment
	stopMgr context.CancelFunc
	mgrDone chan error
}

// Start unpacks assets into dir, starts kube-apiserver and etcd, installs
// the CRDs and starts the operator, with its HTTP endpoints off.
func Start(ctx context.Context, assets fs.FS, dir string) (*Env, error) {
	return StartServing(ctx, assets, dir, Serve{})
}

// Serve are the addresses of the operator's own HTTP endpoints in the local
// environment (metrics over plain HTTP: they are meant for loopback); an
// empty address turns one off.
type Serve struct {
	MetricsAddr string
	ProbeAddr   string
}

// StartServing is Start with the operator's metrics and health endpoints
// listening where serve says (`make run` keeps them on).
func StartServing(ctx context.Context, assets fs.FS, dir string, serve Serve) (*Env, error) {
	if err := Unpack(assets, dir); err != nil {
		return nil, err
	}
	e := &Env{dir: dir, testEnv: &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(dir, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}}
	cfg, err := e.testEnv.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = e.testEnv.Stop()
		}
	}()
	user, err := e.testEnv.AddUser(envtest.User{Name: "local-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, err
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return nil, err
	}
	e.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(e.Kubeconfig, kubeconfig, 0o600); err != nil {
		return nil, err
	}
	ws, err := operator.LoadWatches(filepath.Join(dir, "watches.yaml"))
	if err != nil {
		return nil, err
	}
	// Name validation off: tests start several local environments in one process.
	mgr, err := operator.NewManager(cfg, operator.Options{
		MetricsAddr: orOff(serve.MetricsAddr), ProbeAddr: orOff(serve.ProbeAddr), SkipControllerNameValidation: true,
	})
	if err != nil {
		return nil, err
	}
	if err := operator.Setup(mgr, ws); err != nil {
		return nil, err
	}
	mgrCtx, cancel := context.WithCancel(ctx)
	e.stopMgr, e.mgrDone = cancel, make(chan error, 1)
	go func() { e.mgrDone <- mgr.Start(mgrCtx) }()
	e.Client, err = client.New(cfg, client.Options{Scheme: mgr.GetScheme()})
	if err != nil {
		cancel()
		return nil, err
	}
	ok = true
	return e, nil
}

// orOff is addr, or controller-runtime's "0" (off) when it is empty.
func orOff(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}

// Stop stops the operator, then the control plane.
func (e *Env) Stop() error {
	e.stopMgr()
	mgrErr := <-e.mgrDone
	return errors.Join(mgrErr, e.testEnv.Stop())
}

// ApplySamples creates the objects listed in config/samples/kustomization.yaml
// and returns the NatsClusters among them.
func (e *Env) ApplySamples(ctx context.Context) ([]types.NamespacedName, error) {
	samples := filepath.Join(e.dir, "config", "samples")
	raw, err := os.ReadFile(filepath.Join(samples, "kustomization.yaml"))
	if err != nil {
		return nil, fmt.Errorf("reading samples: %w", err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("reading samples: %w", err)
	}
	var clusters []types.NamespacedName
	for _, name := range k.Resources {
		doc, err := os.ReadFile(filepath.Join(samples, name))
		if err != nil {
			return nil, err
		}
		var u unstructured.Unstructured
		if err := utilyaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("sample %s: %w", name, err)
		}
		if u.GetNamespace() == "" {
			u.SetNamespace("default")
		}
		if err := e.Client.Create(ctx, &u); err != nil {
			return nil, fmt.Errorf("creating sample %s: %w", name, err)
		}
		if u.GroupVersionKind() == natsv1alpha2.NatsClusterGVK {
			clusters = append(clusters, client.ObjectKeyFromObject(&u))
		}
	}
	return clusters, nil
}

// WaitDeployed waits until the Helm reconciler reports the NatsCluster
// Deployed, and returns its conditions as a one-line summary. A reconcile
// error ends the wait early with the reconciler's message.
func (e *Env) WaitDeployed(ctx context.Context, key types.NamespacedName) (string, error) {
	var summary string
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		var nc natsv1alpha2.NatsCluster
		if err := e.Client.Get(ctx, key, &nc); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		var parts []string
		for _, c := range nc.Status.Conditions {
			parts = append(parts, fmt.Sprintf("%s=%s", c.Type, c.Status))
			if c.Type == natsv1alpha2.ConditionIrreconcilable && c.Status == metav1.ConditionTrue {
				return false, fmt.Errorf("NatsCluster %s cannot be reconciled: %s", key, c.Message)
			}
		}
		summary = strings.Join(parts, " ")
		c := status.Find(nc.Status.Conditions, natsv1alpha2.ConditionDeployed)
		return c != nil && c.Status == metav1.ConditionTrue, nil
	})
	if err != nil {
		return "", fmt.Errorf("waiting for NatsCluster %s to be deployed (%s): %w", key, summary, err)
	}
	return summary, nil
}

// WaitSettled waits until the operator has had no reconcile queued or
// running, and finished none, for quiet. After the first install the Helm
// reconciler starts watching the release's kinds, and the Ready
// controller follows its status write: an operator stopped right after
// Deployed would cut those short and log an error for each watch.
func (e *Env) WaitSettled(ctx context.Context, quiet time.Duration) error {
	const poll = 100 * time.Millisecond
	last, since := -1.0, time.Now()
	return wait.PollUntilContextCancel(ctx, poll, true, func(context.Context) (bool, error) {
		busy, done, err := reconcileActivity()
		if err != nil {
			return false, err
		}
		if busy > 0 || done != last {
			last, since = done, time.Now()
			return false, nil
		}
		return time.Since(since) >= quiet, nil
	})
}

// reconcileActivity is, over the operator's controllers in this process,
// the reconciles queued or running and the reconciles finished.
func reconcileActivity() (busy, done float64, err error) {
	for _, name := range []string{"workqueue_depth", "controller_runtime_active_workers"} {
		n, err := procmetrics.Sum(name, procmetrics.AllControllers)
		if err != nil {
			return 0, 0, err
		}
		busy += n
	}
	done, err = procmetrics.Sum("controller_runtime_reconcile_total", procmetrics.AllControllers)
	return busy, done, err
}

// Assets are the paths, relative to the repository root, that the local
// environment needs; main.go embeds exactly these.
var Assets = []string{"watches.yaml", "config/crd/bases", "config/samples", "helm-charts/nats-cluster"}

// Unpack copies the assets to dir, where envtest and the Helm chart loader
// read them from disk.
func Unpack(assets fs.FS, dir string) error {
	for _, root := range Assets {
		// Only what an earlier run unpacked is replaced: --dir may be a
		// directory with other content.
		if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(root))); err != nil {
			return err
		}
		err := fs.WalkDir(assets, root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			target := filepath.Join(dir, filepath.FromSlash(p))
			if d.IsDir() {
				return os.MkdirAll(target, 0o755)
			}
			data, err := fs.ReadFile(assets, p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			return os.WriteFile(target, data, 0o644)
		})
		if err != nil {
			return fmt.Errorf("unpacking %s: %w", root, err)
		}
	}
	return nil
}

package operator

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
)

// Bounds of the wait between two attempts of an install or upgrade that
// keeps failing with the same inputs.
const (
	firstRetryDelay = time.Second
	maxRetryDelay   = 5 * time.Minute
)

// retryGate spaces out the attempts of an install or upgrade that failed,
// as long as its inputs (chart, values, options) stay the same.
//
// Without it a failing release is retried about twice a second, forever:
// each attempt creates, updates and purges release Secrets and creates and
// removes the objects it got to, and every one of those writes is a watch
// event that queues the NatsCluster again at once, past controller-runtime's
// backoff. The gate answers a retry that comes too early with the previous
// error, writing nothing, so the status stays as it is, no event follows,
// and the reconciler's own exponential backoff takes over. Any change of
// the inputs (a spec edit, an annotation) is tried at once.
type retryGate struct {
	mu     sync.Mutex
	failed map[string]failedAttempt // by namespace/name
	now    func() time.Time
}

type failedAttempt struct {
	inputs   [sha256.Size]byte
	at       time.Time
	failures int
	err      error
}

func newRetryGate() *retryGate {
	return &retryGate{failed: map[string]failedAttempt{}, now: time.Now}
}

// retryDelay is how long to wait after the n-th failure in a row.
func retryDelay(n int) time.Duration {
	d := firstRetryDelay
	for i := 1; i < n && d < maxRetryDelay; i++ {
		d *= 2
	}
	return min(d, maxRetryDelay)
}

// attempt runs do unless the same inputs failed too recently, in which case
// it returns the previous error without running it.
func (g *retryGate) attempt(key string, inputs [sha256.Size]byte, do func() (*release.Release, error)) (*release.Release, error) {
	g.mu.Lock()
	last, seen := g.failed[key]
	g.mu.Unlock()
	if seen && last.inputs == inputs && g.now().Before(last.at.Add(retryDelay(last.failures))) {
		return nil, last.err
	}
	rel, err := do()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err == nil:
		delete(g.failed, key)
	case seen && last.inputs == inputs:
		g.failed[key] = failedAttempt{inputs: inputs, at: g.now(), failures: last.failures + 1, err: err}
	default:
		g.failed[key] = failedAttempt{inputs: inputs, at: g.now(), failures: 1, err: err}
	}
	return rel, err
}

// forget drops what the gate knows of key (the release is going away).
func (g *retryGate) forget(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.failed, key)
}

// gatedActionClient puts installs and upgrades of one release behind the
// retry gate; dry runs and every other action pass straight through.
type gatedActionClient struct {
	helmclient.ActionInterface
	gate *retryGate
	key  string
}

func (c gatedActionClient) Install(name, namespace string, chrt *chart.Chart, vals map[string]any, opts ...helmclient.InstallOption) (*release.Release, error) {
	var settings action.Install
	for _, o := range opts {
		if err := o(&settings); err != nil {
			return nil, err
		}
	}
	inputs, err := attemptInputs("install", chrt, vals, settings.DisableHooks, settings.Description)
	if err != nil || settings.DryRun || settings.DryRunOption != "" {
		return c.ActionInterface.Install(name, namespace, chrt, vals, opts...)
	}
	return c.gate.attempt(c.key, inputs, func() (*release.Release, error) {
		return c.ActionInterface.Install(name, namespace, chrt, vals, opts...)
	})
}

func (c gatedActionClient) Upgrade(name, namespace string, chrt *chart.Chart, vals map[string]any, opts ...helmclient.UpgradeOption) (*release.Release, error) {
	var settings action.Upgrade
	for _, o := range opts {
		if err := o(&settings); err != nil {
			return nil, err
		}
	}
	inputs, err := attemptInputs("upgrade", chrt, vals, settings.DisableHooks, settings.Force, settings.Description)
	if err != nil || settings.DryRun || settings.DryRunOption != "" {
		return c.ActionInterface.Upgrade(name, namespace, chrt, vals, opts...)
	}
	return c.gate.attempt(c.key, inputs, func() (*release.Release, error) {
		return c.ActionInterface.Upgrade(name, namespace, chrt, vals, opts...)
	})
}

func (c gatedActionClient) Uninstall(name string, opts ...helmclient.UninstallOption) (*release.UninstallReleaseResponse, error) {
	c.gate.forget(c.key)
	return c.ActionInterface.Uninstall(name, opts...)
}

// attemptInputs hashes what decides an attempt's outcome.
func attemptInputs(action string, chrt *chart.Chart, vals map[string]any, settings ...any) ([sha256.Size]byte, error) {
	var chartID string
	if chrt != nil && chrt.Metadata != nil {
		chartID = chrt.Metadata.Name + "@" + chrt.Metadata.Version
	}
	raw, err := json.Marshal([]any{action, chartID, vals, settings})
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("hashing the inputs of %s: %w", action, err)
	}
	return sha256.Sum256(raw), nil
}

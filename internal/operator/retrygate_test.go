package operator

import (
	"errors"
	"testing"
	"time"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
)

// countingActions records the installs and upgrades that reach Helm and
// fails them while failing is set.
type countingActions struct {
	helmclient.ActionInterface
	installs, upgrades int
	failing            bool
}

func (c *countingActions) result() (*release.Release, error) {
	if c.failing {
		return nil, errors.New("refused by the API server")
	}
	return &release.Release{}, nil
}

func (c *countingActions) Install(string, string, *chart.Chart, map[string]any, ...helmclient.InstallOption) (*release.Release, error) {
	c.installs++
	return c.result()
}

func (c *countingActions) Upgrade(string, string, *chart.Chart, map[string]any, ...helmclient.UpgradeOption) (*release.Release, error) {
	c.upgrades++
	return c.result()
}

func (c *countingActions) Uninstall(string, ...helmclient.UninstallOption) (*release.UninstallReleaseResponse, error) {
	return &release.UninstallReleaseResponse{}, nil
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func gated(t *testing.T) (*countingActions, gatedActionClient, *fakeClock) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(0, 0)}
	gate := newRetryGate()
	gate.now = clock.now
	helm := &countingActions{failing: true}
	return helm, gatedActionClient{ActionInterface: helm, gate: gate, key: "ns/nats"}, clock
}

var testChart = &chart.Chart{Metadata: &chart.Metadata{Name: "nats-cluster", Version: "1.0.0"}}

func TestRetryGateSpacesOutRepeatedFailures(t *testing.T) {
	helm, c, clock := gated(t)
	vals := map[string]any{"size": 3}
	_, first := c.Install("nats", "ns", testChart, vals)
	if first == nil || helm.installs != 1 {
		t.Fatalf("first attempt: err %v, installs %d", first, helm.installs)
	}
	// Watch events bring the retry at once: it gets the same error and
	// Helm is not called.
	_, again := c.Install("nats", "ns", testChart, vals)
	if helm.installs != 1 || again == nil || again.Error() != first.Error() {
		t.Fatalf("immediate retry: installs %d, err %v; want 1 and %v", helm.installs, again, first)
	}
	// The delay doubles with each failure, up to its bound.
	for n := 1; n <= 12; n++ {
		clock.advance(retryDelay(n) - time.Millisecond)
		_, _ = c.Install("nats", "ns", testChart, vals)
		if helm.installs != n {
			t.Fatalf("failure %d: retried before %s", n, retryDelay(n))
		}
		clock.advance(time.Millisecond)
		_, _ = c.Install("nats", "ns", testChart, vals)
		if helm.installs != n+1 {
			t.Fatalf("failure %d: not retried after %s", n, retryDelay(n))
		}
	}
	if retryDelay(12) != maxRetryDelay || retryDelay(1) != firstRetryDelay {
		t.Errorf("delays %s .. %s, want %s .. %s", retryDelay(1), retryDelay(12), firstRetryDelay, maxRetryDelay)
	}
}

func TestRetryGateTriesChangedInputsAtOnce(t *testing.T) {
	helm, c, _ := gated(t)
	_, _ = c.Upgrade("nats", "ns", testChart, map[string]any{"size": 3})
	_, _ = c.Upgrade("nats", "ns", testChart, map[string]any{"size": 4})
	if helm.upgrades != 2 {
		t.Errorf("upgrades %d: a spec change must be tried at once", helm.upgrades)
	}
	force := func(u *action.Upgrade) error { u.Force = true; return nil }
	_, _ = c.Upgrade("nats", "ns", testChart, map[string]any{"size": 4}, force)
	if helm.upgrades != 3 {
		t.Errorf("upgrades %d: an annotation that changes the upgrade must be tried at once", helm.upgrades)
	}
}

func TestRetryGateLetsDryRunsThrough(t *testing.T) {
	helm, c, _ := gated(t)
	dryRun := func(u *action.Upgrade) error { u.DryRun, u.DryRunOption = true, "server"; return nil }
	for range 3 {
		_, _ = c.Upgrade("nats", "ns", testChart, map[string]any{"size": 3}, dryRun)
	}
	if helm.upgrades != 3 {
		t.Errorf("dry-run upgrades reaching Helm: %d, want 3", helm.upgrades)
	}
}

func TestRetryGateForgetsOnSuccessAndUninstall(t *testing.T) {
	helm, c, clock := gated(t)
	vals := map[string]any{"size": 3}
	_, _ = c.Install("nats", "ns", testChart, vals)
	helm.failing = false
	clock.advance(firstRetryDelay)
	if _, err := c.Install("nats", "ns", testChart, vals); err != nil {
		t.Fatal(err)
	}
	helm.failing = true
	_, _ = c.Upgrade("nats", "ns", testChart, vals)
	_, _ = c.Uninstall("nats")
	_, _ = c.Upgrade("nats", "ns", testChart, vals)
	if helm.installs != 2 || helm.upgrades != 2 {
		t.Errorf("installs %d upgrades %d, want 2 and 2", helm.installs, helm.upgrades)
	}
}

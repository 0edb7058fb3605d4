package operator

import (
	"errors"
	"io"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/kube"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// recordingDriver is the storage behind pendingInMemory: Helm's memory
// driver, with every write it receives recorded.
type recordingDriver struct {
	*driver.Memory
	writes []string // "create <status>", "update <status>"
}

func (d *recordingDriver) Create(key string, rls *release.Release) error {
	d.writes = append(d.writes, "create "+key+" "+rls.Info.Status.String())
	return d.Memory.Create(key, rls)
}

func (d *recordingDriver) Update(key string, rls *release.Release) error {
	d.writes = append(d.writes, "update "+key+" "+rls.Info.Status.String())
	return d.Memory.Update(key, rls)
}

func newRecordingDriver() *recordingDriver {
	m := driver.NewMemory()
	m.SetNamespace("ns")
	return &recordingDriver{Memory: m}
}

// blockingKubeClient stops in Wait, after the objects are applied and
// before the action records its outcome, until released: a process killed
// there stops for good.
type blockingKubeClient struct {
	kubefake.PrintingKubeClient
	reached chan struct{}
	release chan struct{}
}

func (c *blockingKubeClient) Wait(kube.ResourceList, time.Duration) error {
	c.reached <- struct{}{}
	<-c.release
	return nil
}

func (c *blockingKubeClient) waitReached(t *testing.T) {
	t.Helper()
	select {
	case <-c.reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the action never reached the kube client")
	}
}

func configMapChart() *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: chart.APIVersionV2, Name: "t", Version: "0.1.0"},
		Templates: []*chart.File{{Name: "templates/cm.yaml", Data: []byte(
			"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  size: {{ .Values.size | quote }}\n")}},
	}
}

// storedIn is what secretExists answers for d: whether d holds key.
func storedIn(d driver.Driver) func(string) (bool, error) {
	return func(key string) (bool, error) {
		_, err := d.Get(key)
		if errors.Is(err, driver.ErrReleaseNotFound) {
			return false, nil
		}
		return err == nil, err
	}
}

func testActionConfig(d driver.Driver, kc kube.Interface) *action.Configuration {
	return &action.Configuration{
		Releases:     storage.Init(withPendingInMemory(d, storedIn(d))),
		KubeClient:   kc,
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...any) {},
	}
}

// install and upgrade wait for the objects (Wait), as the interrupted and
// failing kube clients need.
func install(t *testing.T, cfg *action.Configuration) (*release.Release, error) {
	t.Helper()
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace, in.Wait = "nats", "ns", true
	return in.Run(configMapChart(), map[string]any{"size": 3})
}

func upgrade(t *testing.T, cfg *action.Configuration, size int) (*release.Release, error) {
	t.Helper()
	up := action.NewUpgrade(cfg)
	up.Namespace, up.Wait = "ns", true
	return up.Run("nats", configMapChart(), map[string]any{"size": size})
}

func requireWrites(t *testing.T, d *recordingDriver, want ...string) {
	t.Helper()
	if len(d.writes) != len(want) {
		t.Fatalf("writes %q, want %q", d.writes, want)
	}
	for i := range want {
		if d.writes[i] != want[i] {
			t.Fatalf("writes %q, want %q", d.writes, want)
		}
	}
}

func TestActionWritesItsRecordOnce(t *testing.T) {
	d := newRecordingDriver()
	cfg := testActionConfig(d, &kubefake.PrintingKubeClient{Out: io.Discard})

	if _, err := install(t, cfg); err != nil {
		t.Fatal(err)
	}
	requireWrites(t, d, "create sh.helm.release.v1.nats.v1 deployed")

	d.writes = nil
	if _, err := upgrade(t, cfg, 5); err != nil {
		t.Fatal(err)
	}
	requireWrites(t, d,
		"update sh.helm.release.v1.nats.v1 superseded",
		"create sh.helm.release.v1.nats.v2 deployed")

	d.writes = nil
	rb := action.NewRollback(cfg)
	if err := rb.Run("nats"); err != nil {
		t.Fatal(err)
	}
	requireWrites(t, d,
		"update sh.helm.release.v1.nats.v2 superseded",
		"create sh.helm.release.v1.nats.v3 deployed")

	history, err := cfg.Releases.History("nats")
	if err != nil {
		t.Fatal(err)
	}
	if len(history) != 3 {
		t.Fatalf("history has %d revisions, want 3", len(history))
	}
}

func TestFailedActionWritesItsRecordOnce(t *testing.T) {
	d := newRecordingDriver()
	failing := &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}, WaitError: errors.New("not ready")}
	if _, err := install(t, testActionConfig(d, failing)); err == nil {
		t.Fatal("install succeeded against a kube client whose objects never get ready")
	}
	requireWrites(t, d, "create sh.helm.release.v1.nats.v1 failed")
}

// An action cut short leaves the history as it was before it started, so
// the next reconcile is an install or an upgrade, never a locked release.
func TestInterruptedActionLeavesHistoryAsBefore(t *testing.T) {
	d := newRecordingDriver()
	blocking := &blockingKubeClient{
		PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard},
		reached:            make(chan struct{}), release: make(chan struct{}),
	}
	cfg := testActionConfig(d, blocking)
	t.Cleanup(func() { close(blocking.release) })

	go func() { _, _ = install(t, cfg) }()
	blocking.waitReached(t)
	requireWrites(t, d) // nothing stored: the next reconcile installs
	if _, err := d.Query(map[string]string{"name": "nats", "owner": "helm"}); !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Fatalf("stored history of an interrupted install: %v", err)
	}

	d2 := newRecordingDriver()
	if _, err := install(t, testActionConfig(d2, &kubefake.PrintingKubeClient{Out: io.Discard})); err != nil {
		t.Fatal(err)
	}
	d2.writes = nil
	upgradeErr := make(chan error, 1)
	go func() {
		_, err := upgrade(t, testActionConfig(d2, blocking), 5)
		upgradeErr <- err
	}()
	select {
	case <-blocking.reached:
	case err := <-upgradeErr:
		t.Fatalf("upgrade returned before applying anything: %v", err)
	}
	requireWrites(t, d2)
	last, err := storage.Init(d2).Last("nats")
	if err != nil {
		t.Fatal(err)
	}
	if last.Version != 1 || last.Info.Status != release.StatusDeployed {
		t.Fatalf("last stored revision %d is %s, want revision 1 deployed", last.Version, last.Info.Status)
	}
}

// Within the action, the record held in memory is read as if stored.
func TestPendingRecordIsReadable(t *testing.T) {
	backend := newRecordingDriver()
	d := withPendingInMemory(backend, storedIn(backend))
	rls := &release.Release{Name: "nats", Namespace: "ns", Version: 1, Info: &release.Info{Status: release.StatusPendingInstall}}
	if err := d.Create("sh.helm.release.v1.nats.v1", rls); err != nil {
		t.Fatal(err)
	}
	if got, err := d.Get("sh.helm.release.v1.nats.v1"); err != nil || got != rls {
		t.Fatalf("Get = %v, %v", got, err)
	}
	found, err := d.Query(map[string]string{"name": "nats", "owner": "helm", "status": "pending-install"})
	if err != nil || len(found) != 1 {
		t.Fatalf("Query = %v, %v", found, err)
	}
	if _, err := d.Query(map[string]string{"name": "nats", "status": "deployed"}); !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Fatalf("Query for deployed found the pending record: %v", err)
	}
	all, err := d.List(func(*release.Release) bool { return true })
	if err != nil || len(all) != 1 {
		t.Fatalf("List = %v, %v", all, err)
	}
	if _, err := d.Delete("sh.helm.release.v1.nats.v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Get("sh.helm.release.v1.nats.v1"); !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

// A record already stored under the new revision's key (planted by anyone
// who may create Secrets in the namespace, readable or not) stops the
// action before it touches any object, as Helm's create of the pending
// record did.
func TestPlantedRecordStopsTheAction(t *testing.T) {
	backend := newRecordingDriver()
	planted := &release.Release{Name: "nats", Namespace: "ns", Version: 1, Info: &release.Info{Status: release.StatusDeployed}}
	if err := backend.Memory.Create("sh.helm.release.v1.nats.v1", planted); err != nil {
		t.Fatal(err)
	}
	d := withPendingInMemory(backend, storedIn(backend))
	pending := &release.Release{Name: "nats", Namespace: "ns", Version: 1, Info: &release.Info{Status: release.StatusPendingInstall}}
	if err := d.Create("sh.helm.release.v1.nats.v1", pending); !errors.Is(err, driver.ErrReleaseExists) {
		t.Fatalf("Create of a pending record over a stored one: %v, want %v", err, driver.ErrReleaseExists)
	}
	if got, err := d.Get("sh.helm.release.v1.nats.v1"); err != nil || got != planted {
		t.Fatalf("Get = %v, %v; want the planted record, untouched", got, err)
	}
	requireWrites(t, backend)

	lookupFails := errors.New("the API server is away")
	failing := withPendingInMemory(backend, func(string) (bool, error) { return false, lookupFails })
	if err := failing.Create("sh.helm.release.v1.nats.v2", pending); !errors.Is(err, lookupFails) {
		t.Fatalf("Create when the lookup fails: %v, want %v", err, lookupFails)
	}
	if _, err := failing.Get("sh.helm.release.v1.nats.v2"); !errors.Is(err, driver.ErrReleaseNotFound) {
		t.Fatalf("a pending record was held although the lookup failed: %v", err)
	}
}

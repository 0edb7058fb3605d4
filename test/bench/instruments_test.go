package bench_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The instruments the table rests on are checked on their own, in every
// `go test ./...`: a wrong parser would print wrong numbers, not fail.

func TestParseMetricsSumsLabelSetsAndKeepsControllers(t *testing.T) {
	m, err := parseMetrics(strings.NewReader(`# HELP workqueue_depth Current depth of workqueue
# TYPE workqueue_depth gauge
workqueue_depth{controller="natscluster",name="natscluster"} 2
workqueue_depth{controller="natscluster-ready",name="natscluster-ready"} 1
controller_runtime_reconcile_total{controller="natscluster",result="success"} 7
controller_runtime_reconcile_total{controller="natscluster",result="error"} 1
go_memstats_heap_inuse_bytes 1.2e+07
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{
		"workqueue_depth":                                3,
		"controller_runtime_reconcile_total":             8,
		"controller_runtime_reconcile_total|natscluster": 8,
		"go_memstats_heap_inuse_bytes":                   12e6,
	} {
		if m[name] != want {
			t.Errorf("%s = %v, want %v", name, m[name], want)
		}
	}
	if got := m.perController("workqueue_depth"); got["natscluster-ready"] != 1 || len(got) != 2 {
		t.Errorf("perController(workqueue_depth) = %v", got)
	}
}

func TestAuditLogCountsPerUserAndReadsOnlyNewLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.log")
	line := func(user, verb, resource, sub string, code int) string {
		return `{"kind":"Event","stage":"ResponseComplete","verb":"` + verb + `","user":{"username":"` + user +
			`"},"objectRef":{"resource":"` + resource + `","subresource":"` + sub + `"},"responseStatus":{"code":` +
			strconv.Itoa(code) + `}}` + "\n"
	}
	write := func(s string) {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }()
		if _, err := f.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	l := newAuditLog(path)
	write(line(operatorUser, "create", "statefulsets", "", 201) +
		line(operatorUser, "patch", "natsclusters", "status", 409) +
		line(operatorUser, "create", "events", "", 201) +
		line(operatorUser, "get", "secrets", "", 200) +
		line(helmUser, "create", "secrets", "", 201))
	before, err := l.snapshot(operatorUser)
	if err != nil {
		t.Fatal(err)
	}
	if before.Writes != 2 || before.Events != 1 || before.Reads != 1 || before.Conflicts != 1 ||
		before.ConflictsOn["natsclusters/status patch"] != 1 {
		t.Errorf("operator counts = %+v", before)
	}
	// A line still being written is not counted until it is complete.
	partial := line(operatorUser, "update", "natsclusters", "", 200)
	write(partial[:20])
	if mid, err := l.snapshot(operatorUser); err != nil || mid.Writes != before.Writes {
		t.Errorf("a partial line was counted (%d writes, want %d) or failed: %v", mid.Writes, before.Writes, err)
	}
	write(partial[20:])
	after, err := l.snapshot(operatorUser)
	if err != nil {
		t.Fatal(err)
	}
	if d := after.minus(before); d.Writes != 1 || d.ByTarget["natsclusters update"] != 1 || d.Conflicts != 0 {
		t.Errorf("counts since the first snapshot = %+v", d)
	}
	if h, _ := l.snapshot(helmUser); h.Writes != 1 {
		t.Errorf("helm writes = %d, want 1", h.Writes)
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 10; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 5 * time.Millisecond, 90: 9 * time.Millisecond, 99: 10 * time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
}

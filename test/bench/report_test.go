package bench_test

import (
	"debug/buildinfo"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// row is one line of the results table; ok is nil for a row that only
// informs (no goal).
type row struct {
	what, goal, measured string
	ok                   *bool
}

func goalRow(what, goal, measured string, met bool) row {
	return row{what: what, goal: goal, measured: measured, ok: &met}
}

func infoRow(what, measured string) row { return row{what: what, measured: measured} }

// missedRow is a goal that could not be measured because its phase failed.
func missedRow(what, goal string, err error) row {
	return goalRow(what, goal, "**not measured**: "+err.Error(), false)
}

// report is the results table and the conditions it was measured under.
type report struct {
	rows    []row
	started time.Time
	loads   []string // load average at the start of each phase
}

func (r *report) add(rows ...row) { r.rows = append(r.rows, rows...) }

func (r *report) phase(name string) {
	r.loads = append(r.loads, fmt.Sprintf("%s %s", name, loadAverage()))
	progress("%s phase, load average %s", name, loadAverage())
}

// progress tells the person waiting for a long run where it is.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench %s: %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// missed lists the goals not met.
func (r *report) missed() []string {
	var out []string
	for _, row := range r.rows {
		if row.ok != nil && !*row.ok {
			out = append(out, row.what+": "+row.measured)
		}
	}
	return out
}

// write prints the table and the machine, in the Markdown docs/benchmarks.md keeps.
func (r *report) write(w io.Writer, cfg config, apiServerVersion, operatorBinary string) {
	fmt.Fprintf(w, "| | goal | measured | ok? |\n|---|---|---|---|\n")
	for _, row := range r.rows {
		ok := ""
		if row.ok != nil {
			ok = "no"
			if *row.ok {
				ok = "yes"
			}
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row.what, row.goal, row.measured, ok)
	}
	fmt.Fprintf(w, "\nRun %s (UTC), %s.\n\n", r.started.UTC().Format("2006-01-02 15:04"), time.Since(r.started).Round(time.Second))
	fmt.Fprintf(w, "- Machine: %s\n", machine())
	fmt.Fprintf(w, "- Versions: kube-apiserver %s; operator %s; commit %s\n",
		apiServerVersion, moduleVersions(operatorBinary), gitCommit())
	fmt.Fprintf(w, "- Knobs: BENCH_ITERATIONS=%d BENCH_BURST=%d BENCH_N=%d BENCH_SECRETS=%d BENCH_IDLE=%s BENCH_QUIET=%s\n",
		cfg.iterations, cfg.burst, cfg.scale, cfg.secrets, cfg.idle, cfg.quiet)
	fmt.Fprintf(w, "- Load average (1, 5, 15 min) at each phase: %s; at the end %s\n", strings.Join(r.loads, "; "), loadAverage())
}

// machine is the CPU model, core count and memory from /proc.
func machine() string {
	model, mem := "unknown CPU", "unknown memory"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		var kb float64
		if _, err := fmt.Sscanf(strings.TrimPrefix(line, "MemTotal:"), "%f", &kb); err == nil {
			mem = fmt.Sprintf("%.1f GiB RAM", kb/(1<<20))
		}
	}
	return fmt.Sprintf("%d × %s, %s", runtime.NumCPU(), model, mem)
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// moduleVersions are the Go version and the libraries that do the work,
// as built into the operator binary (the Helm SDK side is the same module).
func moduleVersions(binary string) string {
	bi, err := buildinfo.ReadFile(binary)
	if err != nil {
		return "versions unknown: " + err.Error()
	}
	want := []string{"helm.sh/helm/v3", "github.com/operator-framework/helm-operator-plugins", "sigs.k8s.io/controller-runtime", "k8s.io/client-go"}
	out := []string{bi.GoVersion}
	for _, d := range bi.Deps {
		if slices.Contains(want, d.Path) {
			out = append(out, d.Path+" "+d.Version)
		}
	}
	return strings.Join(out, ", ")
}

func gitCommit() string {
	out, err := exec.Command("git", "-C", testutil.RepoRoot(), "describe", "--always", "--dirty").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// percentile is the nearest-rank percentile p (0–100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func cpuPer(seconds float64, n int) string {
	return fmt.Sprintf("%.0f ms CPU", seconds*1000/float64(max(n, 1)))
}

func mib(bytes float64) string { return fmt.Sprintf("%.0f MiB", bytes/(1<<20)) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

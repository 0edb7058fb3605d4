package bench_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

// operatorProcess is the operator binary running `run` against the control
// plane as its own process, so its RSS is its own and nothing of the bench
// shares its heap.
type operatorProcess struct {
	cmd        *exec.Cmd
	metricsURL string
	// pprofURL is the operator's net/http/pprof, on another loopback port.
	pprofURL string
	// dir is where the log and the heap profiles go.
	dir    string
	exited chan error
}

// buildOperator builds the operator binary as the image does (Dockerfile:
// static, -trimpath) unless BENCH_OPERATOR_BIN names one. The build
// matters to RSS: with cgo the binary links dynamically, exports every
// symbol (kustomize imports package plugin) and maps 16 MiB more.
func buildOperator(ctx context.Context, prebuilt, dir string) (string, error) {
	if prebuilt != "" {
		return prebuilt, nil
	}
	bin := filepath.Join(dir, "nats-operator")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Dir = testutil.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of the operator: %w\n%s", err, out)
	}
	return bin, nil
}

// startOperator runs the binary watching only namespace, with plain-HTTP
// metrics on a loopback port, its log in dir/operator.log.
func startOperator(bin, kubeconfig, namespace, dir string) (*operatorProcess, error) {
	metricsAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	probeAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	pprofAddr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "operator.log"))
	if err != nil {
		return nil, err
	}
	root := testutil.RepoRoot()
	cmd := exec.Command(bin, "run",
		"--watches-file="+filepath.Join(root, "watches.yaml"),
		"--metrics-bind-address="+metricsAddr, "--metrics-secure=false",
		"--health-probe-bind-address="+probeAddr, "--pprof-bind-address="+pprofAddr)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "WATCH_NAMESPACE="+namespace)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the operator: %w", err)
	}
	p := &operatorProcess{cmd: cmd, metricsURL: "http://" + metricsAddr + "/metrics", pprofURL: "http://" + pprofAddr + "/debug/pprof",
		dir: dir, exited: make(chan error, 1)}
	go func() {
		p.exited <- cmd.Wait()
		_ = logFile.Close()
	}()
	return p, p.waitMetrics(2 * time.Minute)
}

// waitMetrics waits until the metrics endpoint answers, i.e. the manager runs.
func (p *operatorProcess) waitMetrics(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.exited:
			return fmt.Errorf("the operator exited at start (see operator.log): %v", err)
		default:
		}
		if _, err := p.metrics(); err == nil {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("the operator's metrics did not answer within %s (see operator.log)", timeout)
}

// stop sends SIGTERM, the way the kubelet stops it, and waits.
func (p *operatorProcess) stop() error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-p.exited:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("the operator did not stop within 30s of SIGTERM")
	}
}

// metrics are the operator's Prometheus samples, summed per metric name,
// and per controller as "name|controller" for the metrics that have one.
type metrics map[string]float64

// perController is the value of a metric for each controller.
func (m metrics) perController(name string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if metric, controller, ok := strings.Cut(k, "|"); ok && metric == name {
			out[controller] = v
		}
	}
	return out
}

// metrics scrapes /metrics and sums every metric over its label sets.
func (p *operatorProcess) metrics() (metrics, error) {
	resp, err := http.Get(p.metricsURL) //nolint:noctx // loopback scrape, bounded by the client default
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads the Prometheus text format: `name{labels} value`.
func parseMetrics(r io.Reader) (metrics, error) {
	m := metrics{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '{'); i >= 0 {
			name = line[:i]
			j := strings.LastIndexByte(line, '}')
			if j < i {
				return nil, fmt.Errorf("metrics: bad line %q", line)
			}
			rest = strings.TrimSpace(line[j+1:])
		}
		value, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("metrics: bad value in %q: %w", line, err)
		}
		m[name] += v
		if _, after, ok := strings.Cut(line, `controller="`); ok {
			controller, _, _ := strings.Cut(after, `"`)
			m[name+"|"+controller] += v
		}
	}
	return m, sc.Err()
}

// memory is the operator's resident set and Go heap at one moment. The
// resident set is split into anonymous memory (the heap, stacks: what
// grows with the clusters) and file pages (the binary's own mapped code and
// data; see docs/benchmarks.md, "Memory").
type memory struct {
	RSS, RSSAnon, RSSFile, PeakRSS, HeapInuse float64 // bytes
}

func (m memory) String() string {
	return fmt.Sprintf("%s (anon %s, file %s) / %s", mib(m.RSS), mib(m.RSSAnon), mib(m.RSSFile), mib(m.HeapInuse))
}

func (p *operatorProcess) memory() (memory, error) {
	var mem memory
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return mem, err
	}
	fields := map[string]*float64{"VmRSS": &mem.RSS, "RssAnon": &mem.RSSAnon, "RssFile": &mem.RSSFile, "VmHWM": &mem.PeakRSS}
	for _, line := range strings.Split(string(status), "\n") {
		key, val, ok := strings.Cut(line, ":")
		field, wanted := fields[key]
		if !ok || !wanted {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 64)
		if err != nil {
			return mem, fmt.Errorf("/proc status %s: %w", line, err)
		}
		*field = kb * 1024
	}
	m, err := p.metrics()
	if err != nil {
		return mem, err
	}
	mem.HeapInuse = m["go_memstats_heap_inuse_bytes"]
	return mem, nil
}

// saveHeapProfile writes the operator's heap profile, after a GC, to
// dir/heap-<name>.pb.gz, so that a memory row can be explained with
// `go tool pprof -sample_index=inuse_space <binary> <file>`.
func (p *operatorProcess) saveHeapProfile(name string) (string, error) {
	resp, err := http.Get(p.pprofURL + "/heap?gc=1")
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("heap profile: %s", resp.Status)
	}
	path := filepath.Join(p.dir, "heap-"+name+".pb.gz")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return "", err
	}
	return path, f.Close()
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

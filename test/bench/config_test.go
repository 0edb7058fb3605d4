package bench_test

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// config holds the size knobs of a run, each an environment variable so
// that `make bench` and a quick look (BENCH_QUICK=1) share one code path.
type config struct {
	enabled    bool          // NATS_OPERATOR_BENCH=1: only `make bench` runs the suite
	iterations int           // BENCH_ITERATIONS: creates and size changes, each side
	burst      int           // BENCH_BURST: CRs created at once, against as many Helm installs
	scale      int           // BENCH_N: CRs of the scale phase; 0 skips it
	secrets    int           // BENCH_SECRETS: unrelated Secrets in the watched namespace
	idle       time.Duration // BENCH_IDLE: how long idle writes and reconciles are counted
	quiet      time.Duration // BENCH_QUIET: no reconcile and an empty queue this long = settled
	timeout    time.Duration // BENCH_SETTLE_TIMEOUT: the longest wait for one settle
	operator   string        // BENCH_OPERATOR_BIN: a prebuilt operator binary (else go build)
	dir        string        // BENCH_DIR: where the audit log, kubeconfigs and operator log go
}

// loadConfig reads the knobs; BENCH_QUICK=1 changes the defaults, and an
// explicit variable still wins.
func loadConfig() (config, error) {
	quick := os.Getenv("BENCH_QUICK") == "1"
	c := config{
		enabled:    os.Getenv("NATS_OPERATOR_BENCH") == "1",
		iterations: 20,
		burst:      100,
		scale:      1000,
		secrets:    10000,
		idle:       5 * time.Minute,
		quiet:      3 * time.Second,
		timeout:    20 * time.Minute,
		operator:   os.Getenv("BENCH_OPERATOR_BIN"),
		dir:        os.Getenv("BENCH_DIR"),
	}
	if quick {
		c.scale, c.idle = 0, time.Minute
	}
	var err error
	for _, knob := range []struct {
		name string
		dst  *int
	}{{"BENCH_ITERATIONS", &c.iterations}, {"BENCH_BURST", &c.burst}, {"BENCH_N", &c.scale}, {"BENCH_SECRETS", &c.secrets}} {
		if err = intFromEnv(knob.name, knob.dst); err != nil {
			return c, err
		}
	}
	for _, knob := range []struct {
		name string
		dst  *time.Duration
	}{{"BENCH_IDLE", &c.idle}, {"BENCH_QUIET", &c.quiet}, {"BENCH_SETTLE_TIMEOUT", &c.timeout}} {
		if err = durationFromEnv(knob.name, knob.dst); err != nil {
			return c, err
		}
	}
	if c.iterations < 1 || c.burst < 1 || c.scale < 0 || c.secrets < 0 {
		return c, fmt.Errorf("BENCH_ITERATIONS and BENCH_BURST must be at least 1, BENCH_N and BENCH_SECRETS at least 0")
	}
	return c, nil
}

func intFromEnv(name string, dst *int) error {
	s := os.Getenv(name)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("%s=%q: want a whole number: %w", name, s, err)
	}
	*dst = n
	return nil
}

func durationFromEnv(name string, dst *time.Duration) error {
	s := os.Getenv(name)
	if s == "" {
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%s=%q: want a duration such as 90s or 5m: %w", name, s, err)
	}
	*dst = d
	return nil
}

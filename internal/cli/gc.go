package cli

import (
	"os"
	"runtime/debug"
)

// operatorGCPercent is the collector's target (GOGC) the operator runs
// with when GOGC is not set. Nearly all of its heap is informer caches,
// which live as long as the clusters they describe, so at Go's default of
// 100 the heap grows to twice them between collections, most of that
// headroom being garbage of renders long done. 25 keeps RSS with 1,000
// NatsClusters within 128 MiB (117 MiB, 132 MiB at 100) for 21 ms more CPU
// per cluster when 1,000 arrive at once (51 ms, still below a Helm
// install's 90 ms; docs/benchmarks.md, "Memory").
const operatorGCPercent = 25

// setGCPercent applies operatorGCPercent unless GOGC is set (the runtime
// has read it already), and returns the target in effect.
func setGCPercent() int {
	if gogc, set := os.LookupEnv("GOGC"); set && gogc != "" {
		current := debug.SetGCPercent(100)
		debug.SetGCPercent(current)
		return current
	}
	debug.SetGCPercent(operatorGCPercent)
	return operatorGCPercent
}

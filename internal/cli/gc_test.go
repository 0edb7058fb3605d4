package cli

import (
	"runtime/debug"
	"testing"
)

func TestSetGCPercent(t *testing.T) {
	restore := debug.SetGCPercent(100)
	defer debug.SetGCPercent(restore)

	t.Setenv("GOGC", "")
	if got := setGCPercent(); got != operatorGCPercent {
		t.Errorf("without GOGC the target is %d, want %d", got, operatorGCPercent)
	}
	if got := debug.SetGCPercent(100); got != operatorGCPercent {
		t.Errorf("without GOGC the runtime's target is %d, want %d", got, operatorGCPercent)
	}

	// GOGC is read by the runtime at start; a set one is left as it is.
	t.Setenv("GOGC", "80")
	debug.SetGCPercent(80)
	if got := setGCPercent(); got != 80 {
		t.Errorf("with GOGC=80 the target is %d, want 80", got)
	}
	if got := debug.SetGCPercent(100); got != 80 {
		t.Errorf("with GOGC=80 the runtime's target moved to %d", got)
	}
}

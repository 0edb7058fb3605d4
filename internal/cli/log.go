package cli

import (
	"flag"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

var zapOpts = zap.Options{Development: false}

// bindLogFlags adds the --zap-* flags; the logger is set before any
// controller starts, so that nothing logs through the default no-op logger.
func bindLogFlags(fs *flag.FlagSet) {
	zapOpts.BindFlags(fs)
}

// SetupLogging installs the logger configured by the --zap-* flags:
// JSON for the operator in a cluster.
func SetupLogging() {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
}

// setupConsoleLogging is SetupLogging for a person at a terminal (local).
func setupConsoleLogging() {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts), zap.ConsoleEncoder()))
}

package cli

import (
	"flag"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

var zapOpts = zap.Options{Development: false}

// bindLogFlags adds the --zap-* flags; the logger is set before any
// controller starts, so that nothing logs through the default no-op logger.
// BindLogFlags adds the --zap-* logging flags to fs.
func BindLogFlags(fs *flag.FlagSet) {
	zapOpts.BindFlags(fs)
}

// SetupLogging installs the logger configured by the --zap-* flags:
// JSON for the operator in a cluster.
func SetupLogging() {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
}

// SetupConsoleLogging is SetupLogging for a person at a terminal (local).
func SetupConsoleLogging() {
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts), zap.ConsoleEncoder()))
}

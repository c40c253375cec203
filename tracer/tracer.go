// Package tracer is groot's ptrace engine.
package tracer

import (
	"errors"

	"github.com/groot-sandbox/groot/config"
)

// ErrNotImplemented is returned until the engine lands.
var ErrNotImplemented = errors.New("ptrace engine not implemented yet")

// Run runs cfg.Command under the tracer and returns the guest's exit status
// (128+N when the first guest process was killed by signal N).
func Run(cfg *config.Config) (int, error) { return 0, ErrNotImplemented }

// IsShim reports whether this process is groot re-executed as the tracee shim. The command
// line calls it first thing in main and then calls ShimMain.
func IsShim() bool { return false }

// ShimMain is the shim's whole life: it never returns.
func ShimMain() {}

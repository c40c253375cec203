// Package userns is groot's namespace fast path: user + mount namespaces and bind mounts.
package userns

import (
	"errors"

	"github.com/groot-sandbox/groot/config"
)

// ErrNotImplemented is returned until the fast path lands.
var ErrNotImplemented = errors.New("namespace mode not implemented yet")

// Available reports whether this kernel lets this user run the namespace path (probed once
// per process, cached); the error says why not.
func Available() error { return ErrNotImplemented }

// Supports reports whether the namespace path can honour every option in cfg; the error
// names the option it cannot honour.
func Supports(cfg *config.Config) error { return nil }

// Run runs cfg.Command in the namespaces and returns the guest's exit status
// (128+N when killed by signal N).
func Run(cfg *config.Config) (int, error) { return 0, ErrNotImplemented }

// IsChild reports whether this process is groot re-executed as the namespace child. The
// command line calls it first thing in main and then calls ChildMain.
func IsChild() bool { return false }

// ChildMain is the namespace child's whole life: it never returns.
func ChildMain() {}

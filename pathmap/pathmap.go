// Package pathmap resolves guest paths to host paths, component by component, the way the
// kernel's path walk does, but with the guest's "/" and bindings.
package pathmap

import (
	"errors"

	"github.com/groot-sandbox/groot/bindings"
)

var errTODO = errors.New("pathmap: not implemented yet")

// Proc lets the caller (the tracer) answer for /proc magic links, whose meaning depends on
// which guest process asks. Resolve calls it for every symlink it meets whose host path is
// under "/proc/".
type Proc interface {
	// Readlink is asked for a host path under /proc (e.g. "/proc/self", "/proc/123/exe",
	// "/proc/123/fd/4"). It returns the guest target to continue the walk with (absolute
	// or relative, as a symlink target), or magic=true when the link is not a path
	// (pipe:[...], socket:[...], anon_inode:...) and the walk must stop there, handing the
	// kernel the host path as it is; handled=false means "read the link on the host".
	Readlink(host string) (target string, magic, handled bool)
}

// Result is a resolved path.
type Result struct {
	Host  string // the host path to hand the kernel
	Guest string // the canonical absolute guest path
	// Exists is false when the last component does not exist (allowed: creat, mkdir).
	Exists bool
}

// Resolver resolves guest paths against a binding table.
type Resolver struct {
	Table *bindings.Table
	Proc  Proc // may be nil
}

// Resolve resolves path (absolute, or relative to the guest directory dir) and follows a
// symlink in the last component only when follow is set. Errors are *fs.PathError wrapping
// a unix.Errno (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES) as the kernel would give.
func (r *Resolver) Resolve(dir, path string, follow bool) (Result, error) {
	return Result{}, errTODO
}

// HostToGuest maps a host path (from the kernel: getcwd, readlink, /proc/PID/fd/N) back to
// the guest path a guest would see.
func (r *Resolver) HostToGuest(host string) (string, bool) { return r.Table.HostToGuest(host) }

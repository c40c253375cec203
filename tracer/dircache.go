package tracer

import (
	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// The tracer's side of pathmap.DirCache: when the guest's calls may change what the
// cache's directory descriptors stand for.

// dirsChanged handles, at a syscall's entry, the calls that can change what the
// DirCache's descriptors stand for: a rename or rmdir (of a directory on the way), a
// chmod or an ACL change (of a directory's search permission). The cache is flushed, and
// not used (dirsUsable) until the call's exit stop flushes it again (dirsDone): the
// kernel makes the change between the two, and another task's stop in between must
// neither fill the cache with what is about to change nor use it after the change. It
// reports whether the call needs its exit stop for that.
func (tr *tracer) dirsChanged(t *tracee, e *syscalls.Entry) bool {
	if tr.dirs == nil {
		return false
	}
	// A task that enters a call is out of its previous one, exit stop or not.
	tr.dirsDone(t)
	tr.dirs.Trim()
	if e == nil {
		return false
	}
	switch {
	case isRename(e):
	case e.Name == "rmdir", e.Name == "chmod", e.Name == "fchmodat", e.Name == "fchmodat2",
		e.Name == "setxattr", e.Name == "lsetxattr", e.Name == "removexattr", e.Name == "lremovexattr":
	case e.Name == "unlinkat":
		if t.regs.arg(2)&unix.AT_REMOVEDIR == 0 {
			return false
		}
	default:
		return false
	}
	tr.dirs.Flush()
	if !t.dirsBusy {
		t.dirsBusy = true
		tr.dirsBusy++
	}
	return true
}

// dirsDone ends what dirsChanged began, at the call's exit stop or when the task is gone.
func (tr *tracer) dirsDone(t *tracee) {
	if t.dirsBusy {
		t.dirsBusy = false
		tr.dirsBusy--
		tr.dirs.Flush()
	}
}

// dirsUsable is the DirCache when path resolution may use it, else nil.
func (tr *tracer) dirsUsable() *pathmap.DirCache {
	if tr.dirsBusy > 0 {
		return nil
	}
	return tr.dirs
}

package tracer

import (
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// Answering failed lookups in the tracer. When the guest walk fails (a missing or
// non-directory component, a search permission denied) or finds that the last component
// does not exist, a syscall that only looks the file up (stat, access, open without
// O_CREAT, readlink ...) can only fail with that error: the tracer skips it at the entry
// stop, instead of rewriting the path, letting the kernel fail and restoring the registers
// at an exit stop. Python's import probing, gcc's include search and make's implicit rules
// make thousands of such calls.
//
// The kernel checks some arguments before the path walk, and their errors come first
// (fs/stat.c vfs_fstatat and do_statx reject unknown AT_ flags with EINVAL, statx a
// reserved mask bit, fs/open.c do_faccessat unknown mode bits or flags, fs/stat.c
// do_readlinkat a buffer size <= 0). lookupOnly is true only for the syscalls listed here
// and only when the kernel accepts their other arguments; for every other call a failed
// walk is handed to the kernel through a host path that fails the same way
// (pathmap.Error.Host), so that whatever the kernel checks first is reported first.
func lookupOnly(t *tracee, e *syscalls.Entry) bool {
	const statFlags = unix.AT_SYMLINK_NOFOLLOW | unix.AT_NO_AUTOMOUNT | unix.AT_EMPTY_PATH
	a := t.regs.arg
	switch e.Name {
	case "stat", "lstat":
		return true
	case "newfstatat":
		return a(3)&^statFlags == 0
	case "statx":
		const syncType = unix.AT_STATX_FORCE_SYNC | unix.AT_STATX_DONT_SYNC
		return a(2)&^(statFlags|syncType) == 0 && a(2)&syncType != syncType && a(3)&unix.STATX__RESERVED == 0
	case "fstat": // no path; for the callers that answer it in the tracer
		return true
	case "access":
		return a(1)&^7 == 0
	case "faccessat":
		return a(2)&^7 == 0
	case "faccessat2":
		return a(2)&^7 == 0 && a(3)&^(unix.AT_EACCESS|unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) == 0
	case "open":
		return a(1)&(unix.O_CREAT|unix.O_TMPFILE) == 0
	case "openat":
		return a(2)&(unix.O_CREAT|unix.O_TMPFILE) == 0
	case "readlink": // int bufsiz
		return int32(a(2)) > 0
	case "readlinkat":
		return int32(a(3)) > 0
	}
	return false
}

package tracer

import (
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/ownership"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// Answering calls in the tracer. A syscall whose path the tracer rewrote costs two stops:
// the entry, and the exit where the argument registers are restored (the syscall ABI
// preserves them and compiled code relies on it). Calls that only read metadata by path —
// the stat family, access, readlink — the tracer can make itself on the translated path
// and hand the result back: it runs as the same real user, so the kernel's permission
// checks and errors are the guest's; the syscall is skipped and the guest's registers are
// never changed. One stop instead of two.
//
// The tracer cannot name the guest's file when the path is NULL, or when the host path
// lies under /proc other than the tracee's own cwd and fd links (a /proc/self there would
// be the tracer's): those calls go to the kernel as usual.

// answerable reports whether the tracer can name the file of path argument 0 itself, and
// returns the path it uses.
func (t *tracee) answerable(e *syscalls.Entry) (path string, follow, ok bool) {
	if !lookupOnly(t, e) {
		return "", false, false // an argument the kernel rejects first
	}
	path, follow, ok = t.tracerPath(e, 0)
	if !ok {
		return "", false, false
	}
	if strings.HasPrefix(path, "/proc/") {
		own := "/proc/" + strconv.Itoa(t.tid) + "/"
		if !strings.HasPrefix(path, own+"cwd") && !strings.HasPrefix(path, own+"fd/") {
			return "", false, false
		}
	}
	return path, follow, true
}

// answerStat makes a stat, lstat, fstat, newfstatat or statx call in the tracer, applies
// view (fake root's ownership; nil for none) and writes the kernel's struct where the guest
// asked. It reports false when the call must go to the kernel.
func (tr *tracer) answerStat(t *tracee, e *syscalls.Entry, view func(ownership.Key, *ownership.Attr)) bool {
	path, follow, ok := t.answerable(e)
	if !ok {
		return false
	}
	buf := t.orig.arg(e.FakeArg)
	flags := 0
	if !follow {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	// The file as the path resolution found it: relative to a cached directory, one
	// component to look up (pathmap.DirCache), or the whole path.
	atDir, atName := unix.AT_FDCWD, path
	if t.argDir[0] > 0 && path == t.argHost[0] {
		atDir, atName = t.argDir[0], t.argName[0]
	}
	if e.Fake == syscalls.FakeStatx {
		// statx(dfd, path, flags, mask, buf): the sync flags and the mask are the guest's.
		sflags := int(t.orig.arg(2)) & (unix.AT_STATX_FORCE_SYNC | unix.AT_STATX_DONT_SYNC | unix.AT_NO_AUTOMOUNT)
		var stx unix.Statx_t
		err := unix.Statx(atDir, atName, flags|sflags, int(t.orig.arg(3)), &stx)
		if err == unix.EACCES && tr.grantSearchFor(t, path) {
			err = unix.Statx(unix.AT_FDCWD, path, flags|sflags, int(t.orig.arg(3)), &stx)
		}
		if err != nil {
			t.skip(-int64(errnoOf(err)))
			return true
		}
		if view != nil {
			k := ownership.Key{Dev: unix.Mkdev(stx.Dev_major, stx.Dev_minor), Ino: stx.Ino}
			a := ownership.Attr{UID: stx.Uid, GID: stx.Gid, Mode: uint32(stx.Mode), Rdev: unix.Mkdev(stx.Rdev_major, stx.Rdev_minor)}
			view(k, &a)
			stx.Uid, stx.Gid, stx.Mode = a.UID, a.GID, uint16(a.Mode)
			stx.Rdev_major, stx.Rdev_minor = unix.Major(a.Rdev), unix.Minor(a.Rdev)
		}
		return t.answerBytes(buf, statxBytes(&stx))
	}
	if e.Name == "newfstatat" {
		flags |= int(t.orig.arg(3)) & unix.AT_NO_AUTOMOUNT
	}
	dirfd, rel, done := t.localFD(path)
	if rel == "" && !follow {
		// lstat of /proc/PID/fd/N names the magic link itself, which the open file
		// behind a duplicate of the fd is not.
		done()
		dirfd, rel, done = unix.AT_FDCWD, path, func() {}
	}
	defer done()
	if atDir != unix.AT_FDCWD {
		dirfd, rel = atDir, atName
	}
	if rel == "" {
		flags |= unix.AT_EMPTY_PATH
	}
	var st unix.Stat_t
	var err error
	mode := t.argLstat.Mode & unix.S_IFMT
	if atDir != unix.AT_FDCWD && t.argHasLstat && (!follow || mode != unix.S_IFLNK) &&
		(mode != unix.S_IFDIR || flags&unix.AT_NO_AUTOMOUNT != 0) {
		st = t.argLstat // the resolution's own lstat of it, a moment ago
	} else {
		err = unix.Fstatat(dirfd, rel, &st, flags)
	}
	if err == unix.EACCES && tr.grantSearchFor(t, path) {
		// Fake root's permission bypass (dacoverride.go): lent only when needed.
		err = unix.Fstatat(dirfd, rel, &st, flags)
	}
	if err != nil {
		t.skip(-int64(errnoOf(err)))
		return true
	}
	if view != nil {
		k := ownership.Key{Dev: st.Dev, Ino: st.Ino}
		a := ownership.Attr{UID: st.Uid, GID: st.Gid, Mode: st.Mode, Rdev: st.Rdev}
		view(k, &a)
		st.Uid, st.Gid, st.Mode, st.Rdev = a.UID, a.GID, a.Mode, a.Rdev
	}
	return t.answerBytes(buf, statBytes(&st))
}

// localFD turns a tracerPath of the form /proc/TID/fd/N[/REST] into the tracee's fd N,
// duplicated into the tracer with pidfd_getfd (Linux 5.6), and REST: the call then runs
// relative to the same open file. Walking the magic link /proc/TID/fd/N costs twice a
// plain stat (procfs lookups and a ptrace access check each time), and fake root's
// fstat and find's fstatat(dirfd, name) make thousands of them. Any other path, or any
// failure, gives AT_FDCWD and the path itself; done releases what was taken.
func (t *tracee) localFD(path string) (dirfd int, rel string, done func()) {
	none := func() {}
	prefix := "/proc/" + strconv.Itoa(t.tid) + "/fd/"
	rest, ok := strings.CutPrefix(path, prefix)
	if !ok || t.tid != t.proc.tgid || t.proc.pidfd < 0 {
		// A thread other than the leader may have an fd table of its own (clone
		// without CLONE_FILES): pidfd_getfd would read the leader's.
		return unix.AT_FDCWD, path, none
	}
	num, name, _ := strings.Cut(rest, "/")
	fd, err := strconv.Atoi(num)
	if err != nil {
		return unix.AT_FDCWD, path, none
	}
	if t.proc.pidfd == 0 {
		pfd, err := unix.PidfdOpen(t.proc.tgid, 0)
		if err != nil {
			t.proc.pidfd = -1
			return unix.AT_FDCWD, path, none
		}
		t.proc.pidfd = pfd
	}
	local, _, e := unix.Syscall(unix.SYS_PIDFD_GETFD, uintptr(t.proc.pidfd), uintptr(fd), 0)
	if e != 0 {
		if e == unix.ENOSYS || e == unix.EPERM {
			unix.Close(t.proc.pidfd)
			t.proc.pidfd = -1
		}
		return unix.AT_FDCWD, path, none
	}
	return int(local), name, func() { unix.Close(int(local)) }
}

// answerBytes writes b at addr in the tracee and skips the syscall with 0 (EFAULT when
// the guest's buffer is not writable, as the kernel's copy_to_user would fail).
func (t *tracee) answerBytes(addr uint64, b []byte) bool {
	if writeMem(t.tid, addr, b) != nil {
		t.skip(-int64(unix.EFAULT))
		return true
	}
	t.skip(0)
	return true
}

// answerAccess makes an access, faccessat or faccessat2 call in the tracer.
func (tr *tracer) answerAccess(t *tracee, e *syscalls.Entry) bool {
	path, follow, ok := t.answerable(e)
	if !ok {
		return false
	}
	mode := uint32(t.orig.arg(e.FakeArg))
	flags := 0
	if e.Name == "faccessat2" {
		flags = int(t.orig.arg(e.FakeArg+1)) & unix.AT_EACCESS
	}
	if !follow {
		flags |= unix.AT_SYMLINK_NOFOLLOW
	}
	// faccessat2 (Linux 5.8); x/sys falls back to faccessat and emulates the flags on
	// older kernels, with the tracer's ids, which are the tracee's real ones.
	if err := unix.Faccessat(unix.AT_FDCWD, path, mode, flags); err != nil {
		t.skip(-int64(errnoOf(err)))
		return true
	}
	t.skip(0)
	return true
}

// answerMetadata answers a stat-family or access call whose path the tracer rewrote
// (an exit stop would otherwise restore the registers). Under fake root the fake-root
// code answers them itself.
func (tr *tracer) answerMetadata(t *tracee, e *syscalls.Entry) {
	if !t.modified || t.skipped || t.exit != exitRestore {
		return
	}
	switch e.Fake {
	case syscalls.FakeStat, syscalls.FakeStatx:
		tr.answerStat(t, e, nil)
	case syscalls.FakeAccess:
		tr.answerAccess(t, e)
	}
}

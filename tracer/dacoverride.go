package tracer

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/ownership"
	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// Root's permission bypass for fake root. Root's file-system uid passes every permission
// check (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH): it walks into a directory of mode 0,
// writes a read-only file, removes a tree of read-only directories (rm -rf of a Go module
// cache). The real user's kernel refuses all of that. For a fake-root task whose fsuid is
// 0, a file or directory that is the real user's and lacks the owner bit a call needs is
// given that bit for the length of the call and gets its mode back when the call returns
// (when every call that needed it has returned),
// as PRoot does (src/extension/fake_id0/fake_id0.c, override_permissions, restored at the
// syscall's exit). Others' files stay out of reach: the real user cannot chmod them.
//
// The bypass costs nothing until a permission is missing: search permission is granted
// when the tracer's own walk of the guest path fails with EACCES; the other bits are
// checked with one faccessat(AT_EACCESS) on the call's target or directory before the
// call goes to the kernel.

// A loan is owner bits lent to one inode. Calls of several tasks may overlap on the
// same directory (make -j), so loans are the tracer's, by inode, counted: the mode goes
// back to what it was when the last call holding it returns, and a chmod by the guest
// meanwhile becomes the mode to go back to (fakeChmod). The file is held by an O_PATH
// descriptor of the tracer's, so that a rename or chdir during the call cannot make the
// restore miss it.
type loan struct {
	fd      int
	orig    uint32 // the mode to put back
	bits    uint32 // the bits lent
	holders int    // calls (tasks) holding the loan
}

// bypassesPermissions reports whether the task is fake root with root's file-system uid.
func (tr *tracer) bypassesPermissions(t *tracee) bool {
	return tr.fake != nil && t.creds != nil && t.creds.FSUID == 0
}

// grant gives the owner of path the mode bits it lacks, for the task's current syscall,
// when the real user owns it (not a symlink, whose mode means nothing). A final symlink
// in path is followed only with follow (the tracee's /proc/TID/cwd and fd/N links are).
// A file already on loan is joined, so that the bits stay while this call needs them.
func (tr *tracer) grant(t *tracee, path string, follow bool, bits uint32) bool {
	flags := unix.O_PATH | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Open(path, flags, 0)
	if err != nil {
		return false
	}
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Uid != tr.fake.realUID || st.Mode&unix.S_IFMT == unix.S_IFLNK {
		unix.Close(fd)
		return false
	}
	k := ownership.Key{Dev: st.Dev, Ino: st.Ino}
	l := tr.loans[k]
	if l == nil && st.Mode&bits == bits {
		unix.Close(fd)
		return false
	}
	if l == nil {
		l = &loan{fd: fd, orig: st.Mode & 0o7777}
		tr.loans[k] = l
	} else {
		unix.Close(fd)
	}
	l.holders++
	t.loans = append(t.loans, k)
	if l.bits|bits != l.bits || st.Mode&bits != bits {
		l.bits |= bits
		// chmod through the descriptor's /proc link (fchmod refuses an O_PATH descriptor).
		_ = unix.Chmod(fdPath(l.fd), l.orig|l.bits)
		tr.logf(2, "pid %d: mode of %s %o -> %o for root's permission bypass", t.tid, path, l.orig, l.orig|l.bits)
	}
	return true
}

func fdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }

// returnLoans ends the task's part in the loans its syscall took; a mode goes back when
// no call holds its loan any more.
func (tr *tracer) returnLoans(t *tracee) {
	for i := len(t.loans) - 1; i >= 0; i-- {
		k := t.loans[i]
		l := tr.loans[k]
		if l == nil {
			continue
		}
		if l.holders--; l.holders == 0 {
			_ = unix.Chmod(fdPath(l.fd), l.orig)
			unix.Close(l.fd)
			delete(tr.loans, k)
		}
	}
	t.loans = t.loans[:0]
}

// chmodOnLoan makes mode, which the guest just set on inode k, the mode a loan on k
// goes back to; the lent bits stay on disk until the loan ends.
func (tr *tracer) chmodOnLoan(k ownership.Key, mode uint32) {
	if l := tr.loans[k]; l != nil {
		l.orig = mode
		_ = unix.Chmod(fdPath(l.fd), l.orig|l.bits)
	}
}

// resolveBypassing is Resolve for a task that bypasses permissions: a directory the walk
// may not search is given its owner's search bit, and the walk tried again.
func (tr *tracer) resolveBypassing(t *tracee, res *pathmap.Resolver, dir, path string, follow bool) (pathmap.Result, error) {
	r, err := res.Resolve(dir, path, follow)
	for i := 0; i < 40 && err != nil && tr.bypassesPermissions(t); i++ {
		var perr *pathmap.Error
		if !errors.As(err, &perr) || perr.Errno != unix.EACCES || perr.At == "" || !tr.grantSearch(t, filepath.Dir(perr.At)) {
			break
		}
		r, err = res.Resolve(dir, path, follow)
	}
	return r, err
}

// grantSearch makes the host directory dir reachable: every directory from the top down to
// it that may not be searched is given its owner's search bit. (A relative walk starts
// inside the cwd, below directories the tracer's own absolute paths must cross too.)
func (tr *tracer) grantSearch(t *tracee, dir string) bool {
	granted := false
	for i := 1; i <= len(dir); i++ {
		if i < len(dir) && dir[i] != '/' {
			continue
		}
		prefix := dir[:i]
		if unix.Faccessat(unix.AT_FDCWD, prefix, unix.X_OK, unix.AT_EACCESS) == unix.EACCES && tr.grant(t, prefix, false, permX) {
			granted = true
		}
	}
	return granted
}

// Owner permission bits.
const (
	permR = 0o400
	permW = 0o200
	permX = 0o100
)

// grantForCall gives the call's target, or the directory it changes, the owner bits the
// kernel (or fake root's own answer) will check, where the real user lacks them (the path
// arguments are resolved).
func (tr *tracer) grantForCall(t *tracee, e *syscalls.Entry) {
	if !tr.bypassesPermissions(t) || len(e.Paths) == 0 {
		return
	}
	proc := "/proc/" + strconv.Itoa(t.tid) + "/"
	need := func(k int, onParent bool, bits uint32) {
		if k >= len(t.argHost) {
			return
		}
		// A relative path stays relative to the tracee's /proc/TID/cwd or fd/N link: the
		// tracer could not walk down to it from the root through a directory it may not
		// search (cd into a mode-0 directory, then cat f).
		p, follow, ok := t.tracerPath(e, k)
		if !ok {
			return
		}
		if onParent {
			dir, base := filepath.Split(strings.TrimSuffix(p, "/"))
			if base == "" || dir == proc || dir == proc+"fd/" {
				return // the call names the directory (fd) itself
			}
			p, follow = strings.TrimSuffix(dir, "/"), true
		}
		mode := uint32(0)
		if bits&permR != 0 {
			mode |= unix.R_OK
		}
		if bits&permW != 0 {
			mode |= unix.W_OK
		}
		if bits&permX != 0 {
			mode |= unix.X_OK
		}
		flags := unix.AT_EACCESS
		if !follow {
			flags |= unix.AT_SYMLINK_NOFOLLOW
		}
		if unix.Faccessat(unix.AT_FDCWD, p, mode, flags) == unix.EACCES {
			tr.grant(t, p, follow, bits)
		}
	}
	// A relative path the tracer left to the kernel (resolveArgBase's shortcut) was not
	// walked by the tracer: the directory it is looked up in must be searchable.
	for k := range e.Paths {
		if k < len(t.argHost) && t.argSet[k] && t.argHost[k] != "" && !strings.HasPrefix(t.argHost[k], "/") {
			need(k, true, permX)
		}
	}
	switch e.Name {
	case "open", "openat", "openat2", "creat":
		flags := t.orig.arg(1)
		if e.Name == "openat" || e.Name == "openat2" {
			flags = t.orig.arg(2)
		}
		if e.Name == "openat2" {
			// open_how.flags, the first u64 of the struct the argument points to.
			if v, err := readUint64(t.tid, t.orig.arg(2)); err == nil {
				flags = v
			}
		}
		if e.Name == "creat" {
			flags = unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC
		}
		if flags&unix.O_PATH != 0 {
			return
		}
		if flags&unix.O_TMPFILE == unix.O_TMPFILE {
			need(0, false, permW|permX) // the path names the directory
			return
		}
		var bits uint32
		switch flags & unix.O_ACCMODE {
		case unix.O_RDONLY:
			bits = permR
		case unix.O_WRONLY:
			bits = permW
		default:
			bits = permR | permW
		}
		if flags&unix.O_TRUNC != 0 {
			bits |= permW
		}
		if flags&unix.O_CREAT != 0 && !t.targetExists(e, 0) {
			need(0, true, permW|permX)
		}
		need(0, false, bits)
	case "mkdir", "mkdirat", "mknod", "mknodat", "unlink", "unlinkat", "rmdir", "symlink", "symlinkat":
		need(0, true, permW|permX)
	case "link", "linkat":
		need(1, true, permW|permX)
	case "rename", "renameat", "renameat2":
		need(0, true, permW|permX)
		need(1, true, permW|permX)
		// A directory moved to another parent has its ".." rewritten: it must be writable
		// too (fs/namei.c, vfs_rename: inode_permission(source, MAY_WRITE)).
		if t.targetIsDir(e, 0) {
			need(0, false, permW)
		}
	case "truncate":
		need(0, false, permW)
	case "chdir":
		need(0, false, permX)
	}
}

// targetExists and targetIsDir look at path argument k as the tracer can name it.
func (t *tracee) targetExists(e *syscalls.Entry, k int) bool {
	p, follow, ok := t.tracerPath(e, k)
	if !ok {
		return false
	}
	flags := 0
	if !follow {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	return unix.Faccessat(unix.AT_FDCWD, p, unix.F_OK, flags) == nil
}

func (t *tracee) targetIsDir(e *syscalls.Entry, k int) bool {
	p, _, ok := t.tracerPath(e, k)
	var st unix.Stat_t
	return ok && unix.Lstat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

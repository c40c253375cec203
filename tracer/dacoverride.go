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
// kernel will check, where the real user lacks them (the path arguments are resolved).
// The stat family is left out: fake root answers it in the tracer, which lends search
// permission only when its own stat fails (answerStat).
func (tr *tracer) grantForCall(t *tracee, e *syscalls.Entry) {
	if !tr.bypassesPermissions(t) || len(e.Paths) == 0 || e.Fake == syscalls.FakeStat || e.Fake == syscalls.FakeStatx {
		return
	}
	var target, parent [2]uint32 // the bits path argument k needs on itself, on its directory
	for k := range e.Paths {
		// A relative path the tracer left to the kernel (resolveArgBase's shortcut) was
		// not walked by the tracer: its directory must be searchable.
		if k < len(t.argHost) && t.argSet[k] && t.argHost[k] != "" && !strings.HasPrefix(t.argHost[k], "/") {
			parent[k] |= permX
		}
	}
	create := false
	switch e.Name {
	case "open", "openat", "openat2", "creat":
		flags := t.orig.arg(1)
		switch e.Name {
		case "openat":
			flags = t.orig.arg(2)
		case "openat2":
			// open_how.flags, the first u64 of the struct the argument points to.
			if v, err := readUint64(t.tid, t.orig.arg(2)); err == nil {
				flags = v
			}
		case "creat":
			flags = unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC
		}
		switch {
		case flags&unix.O_PATH != 0:
		case flags&unix.O_TMPFILE == unix.O_TMPFILE:
			target[0] = permW | permX // the path names the directory
		default:
			switch flags & unix.O_ACCMODE {
			case unix.O_RDONLY:
				target[0] = permR
			case unix.O_WRONLY:
				target[0] = permW
			default:
				target[0] = permR | permW
			}
			if flags&unix.O_TRUNC != 0 {
				target[0] |= permW
			}
			create = flags&unix.O_CREAT != 0
		}
	case "mkdir", "mkdirat", "mknod", "mknodat", "unlink", "unlinkat", "rmdir", "symlink", "symlinkat":
		parent[0] |= permW | permX
	case "link", "linkat":
		parent[1] |= permW | permX
	case "rename", "renameat", "renameat2":
		parent[0] |= permW | permX
		parent[1] |= permW | permX
		// A directory moved to another parent has its ".." rewritten: it must be writable
		// too (fs/namei.c, vfs_rename: inode_permission(source, MAY_WRITE)).
		if t.targetIsDir(e, 0) {
			target[0] = permW
		}
	case "truncate":
		target[0] = permW
	case "chdir":
		target[0] = permX
	}
	for k := range e.Paths {
		tr.ensure(t, e, k, target[k], parent[k], create && k == 0)
	}
}

// ensure lends path argument k the bits it needs on itself (target) and on its directory
// (parent; with create, only when the target does not exist yet). It costs one faccessat
// when nothing is missing: access to a file implies search of its directory.
func (tr *tracer) ensure(t *tracee, e *syscalls.Entry, k int, target, parent uint32, create bool) {
	if target == 0 && parent == 0 {
		return
	}
	p, follow, ok := t.tracerPath(e, k)
	if !ok {
		return
	}
	dir := ""
	if d, base := filepath.Split(strings.TrimSuffix(p, "/")); base != "" && !isProcFDLink(d) {
		dir = strings.TrimSuffix(d, "/")
	}
	if create {
		parent |= permW | permX
	}
	if target != 0 {
		switch access(p, target, follow) {
		case nil:
			return // the directory was searched, and an existing file needs no more
		case unix.ENOENT:
			if !create {
				return // the kernel says ENOENT too
			}
			target = 0
		}
	} else if dir != "" && access(dir, parent, true) == nil {
		return
	}
	// Something is missing: search of the directory first, then its other bits, then the
	// target's own.
	if dir != "" {
		if strings.HasPrefix(dir, "/proc/") {
			if access(dir, permX, true) == unix.EACCES {
				tr.grant(t, dir, true, permX)
			}
		} else {
			tr.grantSearch(t, dir)
		}
		if parent&^permX != 0 && access(dir, parent, true) == unix.EACCES {
			tr.grant(t, dir, true, parent)
		}
	}
	if target != 0 && access(p, target, follow) == unix.EACCES {
		tr.grant(t, p, follow, target)
	}
}

// isProcFDLink reports whether dir is a tracee's /proc/TID/ or /proc/TID/fd/: the path
// below it names the cwd or an fd itself, not a file in a directory.
func isProcFDLink(dir string) bool {
	rest, ok := strings.CutPrefix(dir, "/proc/")
	if !ok {
		return false
	}
	tid, rest, _ := strings.Cut(rest, "/")
	_, err := strconv.Atoi(tid)
	return err == nil && (rest == "" || rest == "fd/")
}

// access is faccessat(AT_EACCESS) of path for the owner bits in bits.
func access(path string, bits uint32, follow bool) error {
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
	return unix.Faccessat(unix.AT_FDCWD, path, mode, flags)
}

// grantSearchFor lends search permission on the directory of the tracer path p after the
// tracer's own call on p failed with EACCES; it reports whether a retry may succeed.
func (tr *tracer) grantSearchFor(t *tracee, p string) bool {
	if !tr.bypassesPermissions(t) {
		return false
	}
	d, base := filepath.Split(strings.TrimSuffix(p, "/"))
	if base == "" || isProcFDLink(d) {
		return false
	}
	dir := strings.TrimSuffix(d, "/")
	if strings.HasPrefix(dir, "/proc/") {
		return tr.grant(t, dir, true, permX)
	}
	return tr.grantSearch(t, dir)
}

// targetIsDir looks at path argument k as the tracer can name it.
func (t *tracee) targetIsDir(e *syscalls.Entry, k int) bool {
	p, _, ok := t.tracerPath(e, k)
	var st unix.Stat_t
	return ok && unix.Lstat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

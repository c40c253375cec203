package tracer

import (
	"errors"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// syscallStop handles a PTRACE_SYSCALL stop, entry or exit (PTRACE_O_TRACESYSGOOD
// marks them with SIGTRAP|0x80; they alternate for each task).
func (tr *tracer) syscallStop(t *tracee) {
	if !t.inSyscall {
		t.inSyscall = true
		tr.enter(t)
	} else {
		t.inSyscall = false
		tr.exitStop(t)
	}
	tr.resume(t, 0)
}

// enter translates a syscall at its entry stop. It reports whether the exit stop must be
// seen.
func (tr *tracer) enter(t *tracee) bool {
	if err := getRegs(t.tid, &t.regs); err != nil {
		if !isGone(err) {
			tr.invariant(t, "read registers at syscall entry: %v", err)
		}
		return false
	}
	if len(t.loans) > 0 {
		tr.returnLoans(t) // a call that ended without its exit stop (execve under seccomp)
	}
	forceSet := t.undoUnrestored()
	t.argSet = [2]bool{}
	t.argDir, t.argHasLstat = [2]int{}, false
	t.orig = t.regs
	t.modified, t.skipped, t.exit = false, false, exitNone
	t.scratch = (t.regs.sp() - redZone) &^ 15
	t.placed = t.placed[:0]
	nr := t.regs.sysno()
	e := syscalls.Lookup(nr)
	dirsExit := tr.dirsChanged(t, e)
	if tr.verbose >= 3 {
		tr.logf(3, "pid %d: %s(%#x, %#x, %#x, %#x)", t.tid, syscalls.Name(nr), t.regs.arg(0), t.regs.arg(1), t.regs.arg(2), t.regs.arg(3))
	}
	if e == nil || e.FakeOnly() && tr.fake == nil {
		if forceSet {
			if err := setRegs(t.tid, &t.regs); err != nil && !isGone(err) {
				tr.invariant(t, "write registers at syscall entry: %v", err)
			}
		}
		return false
	}
	t.fakeSt.exit = fakeExitNone
	err := tr.translate(t, e)
	if err == nil && !t.skipped && tr.fake != nil {
		// Before fake root answers a call itself: its own syscall needs the access too.
		tr.grantForCall(t, e)
	}
	if err == nil && tr.fake != nil && e.Fake != syscalls.FakeNone && !t.skipped {
		err = tr.fakeEnter(t, e)
	} else if err == nil && tr.fake == nil {
		tr.answerMetadata(t, e)
	}
	if err != nil {
		var errno unix.Errno
		if !errors.As(err, &errno) {
			errno = unix.EINVAL
		}
		tr.logf(2, "pid %d: %s: %v", t.tid, e.Name, err)
		t.skip(-int64(errno))
		t.fakeSt.exit = fakeExitNone
	}
	if t.skipped {
		t.placed = t.placed[:0]
		// Answered here, or failed: the modes lent for it are due back now.
		tr.returnLoans(t)
	} else if err := t.flushStrings(); err != nil {
		// The guest's stack cannot take the translated path: fail the call as the
		// kernel fails a bad pointer.
		tr.logf(2, "pid %d: %s: write the translated path: %v", t.tid, e.Name, err)
		t.skip(-int64(unix.EFAULT))
		t.fakeSt.exit = fakeExitNone
		tr.returnLoans(t)
	}
	if t.modified || t.skipped || forceSet {
		if err := setRegs(t.tid, &t.regs); err != nil && !isGone(err) {
			tr.invariant(t, "write registers at %s entry: %v", e.Name, err)
		}
	}
	if tr.seccomp && t.modified && t.exit == exitRestore && t.fakeSt.exit == fakeExitNone && len(t.loans) == 0 && !dirsExit {
		t.leaveUnrestored()
		return false
	}
	return t.modified || t.exit != exitNone || t.fakeSt.exit != fakeExitNone || len(t.loans) > 0 || dirsExit
}

// skip makes the syscall not run and return ret (a -errno or a result). The number -1 is
// the kernel's "skip" (arch/x86/entry/common.c do_syscall_64; arm64 NO_SYSCALL), and the
// return register then keeps what the tracer put there.
func (t *tracee) skip(ret int64) {
	t.regs.restoreArgs(&t.orig)
	t.modified = false
	t.exit = exitNone
	t.regs.setSysno(-1)
	t.regs.setRet(ret)
	t.skipped = true
}

// alloc reserves n bytes of scratch memory below the guest's stack pointer (and red
// zone). It is free again when the syscall returns.
func (t *tracee) alloc(n int) uint64 {
	t.scratch = (t.scratch - uint64(n)) &^ 15
	return t.scratch
}

// putString places s NUL-terminated in scratch memory and returns its address. The write
// itself waits for flushStrings: a call the tracer then answers itself (stat, access,
// readlink) never needed it.
func (t *tracee) putString(s string) (uint64, error) {
	b := make([]byte, len(s)+1)
	copy(b, s)
	addr := t.alloc(len(b))
	t.placed = append(t.placed, pendingString{addr, b})
	return addr, nil
}

// pendingString is a string putString placed, not yet written.
type pendingString struct {
	addr uint64
	b    []byte
}

// flushStrings writes the strings putString placed, all in one process_vm_writev.
func (t *tracee) flushStrings() error {
	if len(t.placed) == 0 {
		return nil
	}
	defer func() { t.placed = t.placed[:0] }()
	local := make([]unix.Iovec, len(t.placed))
	remote := make([]unix.RemoteIovec, len(t.placed))
	total := 0
	for i, p := range t.placed {
		local[i] = unix.Iovec{Base: &p.b[0], Len: uint64(len(p.b))}
		remote[i] = unix.RemoteIovec{Base: uintptr(p.addr), Len: len(p.b)}
		total += len(p.b)
	}
	if n, err := unix.ProcessVMWritev(t.tid, local, remote, 0); err == nil && n == total {
		return nil
	}
	for _, p := range t.placed {
		if err := writeMem(t.tid, p.addr, p.b); err != nil {
			return err
		}
	}
	return nil
}

func (tr *tracer) translate(t *tracee, e *syscalls.Entry) error {
	switch e.Kind {
	case syscalls.Chroot:
		if tr.fake != nil && t.creds.EUID == 0 {
			return tr.emulateChroot(t, e)
		}
		return tr.translatePaths(t, e)
	case syscalls.Plain, syscalls.Symlink:
		return tr.translatePaths(t, e)
	case syscalls.Execve:
		return tr.enterExecve(t, e)
	case syscalls.Chdir:
		res, err := tr.resolveArg(t, e.Paths[0])
		if err != nil {
			return err
		}
		// The kernel changes directory (so it checks permissions and keeps the kernel
		// cwd in step with the guest's); the tracer records the guest path on success.
		if err := t.setPathArg(e.Paths[0].Path, res.Host); err != nil {
			return err
		}
		t.argHost[0], t.argSet[0], t.argFollow[0] = res.Host, true, true
		t.newCwd, t.newCwdHost = res.Guest, res.Host
		t.exit = exitChdir
		return nil
	case syscalls.Fchdir:
		t.exit = exitFchdir
		return nil
	case syscalls.Getcwd:
		return tr.emulateGetcwd(t)
	case syscalls.Readlink:
		return tr.enterReadlink(t, e)
	case syscalls.Mount:
		// An unprivileged user gets EPERM from mount and friends (they need
		// CAP_SYS_ADMIN in the mount namespace's user namespace).
		return unix.EPERM
	case syscalls.Unsupported:
		tr.logf(1, "pid %d: %s is not translated by groot: failing it with ENOSYS", t.tid, e.Name)
		return unix.ENOSYS
	case syscalls.SocketAddr, syscalls.SendtoAddr, syscalls.SendmsgAddr:
		return tr.enterSockAddr(t, e)
	case syscalls.SockNameOut, syscalls.RecvmsgOut:
		t.exit = exitSockName
		if e.Kind == syscalls.RecvmsgOut {
			t.exit = exitRecvmsg
		}
		return nil
	case syscalls.Prctl:
		switch t.regs.arg(0) {
		case unix.PR_SET_DUMPABLE:
			switch t.regs.arg(1) {
			case 0, 1: // SUID_DUMP_DISABLE, SUID_DUMP_USER; anything else is EINVAL
				t.proc.notDumpable = t.regs.arg(1) == 0
				t.skip(0)
			}
		case unix.PR_GET_DUMPABLE:
			if t.proc.notDumpable {
				t.skip(0)
			}
		}
		return nil
	case syscalls.Uname:
		if tr.uts.rewrites() {
			t.exit = exitUname
		}
		return nil
	case syscalls.GetAffinity, syscalls.SetAffinity:
		tr.enterAffinity(t, e)
		return nil
	case syscalls.Sethostname:
		return tr.enterSetUTS(t)
	case syscalls.Unshare:
		// CLONE_NEWNS and CLONE_NEWUSER imply CLONE_FS (kernel/fork.c, ksys_unshare).
		if t.regs.arg(0)&(unix.CLONE_FS|unix.CLONE_NEWNS|unix.CLONE_NEWUSER) != 0 {
			t.exit = exitUnshareFS
		}
		return nil
	}
	return nil
}

func (tr *tracer) translatePaths(t *tracee, e *syscalls.Entry) error {
	var guests, hosts [2]string // a rename's paths, for its cwd tracking
	defer func() {
		if isRename(e) && guests[0] != "" && guests[1] != "" {
			tr.watchRename(t, e, guests, hosts)
		}
	}()
	for k, p := range e.Paths {
		own := ownsLastComponent(t, e, k)
		res, asIs, err := tr.resolveArgBase(t, p, true, own)
		if err == nil && k < len(guests) {
			guests[k], hosts[k] = res.Guest, res.Host
		}
		if err == nil && own && res.Host == tr.rootHost(t) {
			// The guest's root as the entry a call makes, removes or renames: the
			// host's "/" fails every such call as natively, on LAST_ROOT and with the
			// kernel's own checks first, where the rootfs's directory would be judged
			// by its parent's permissions.
			res.Host, asIs = "/", false
		} else if err == nil && own && removes(t, e) && tr.isBindingRoot(res.Guest) {
			return unix.EBUSY // a mount point natively (fs/namei.c, vfs_rmdir, vfs_unlink, vfs_rename)
		}
		if err == nil && !asIs && own && trimSlashes(t.lastPath) != t.lastPath {
			// The kernel sees the trailing slash, as it would natively, on the entry the
			// call names (see ownsLastComponent).
			res.Host += "/"
		}
		if k < len(t.argHost) {
			// What the kernel will resolve: the guest's string unless rewritten below.
			t.argHost[k], t.argSet[k], t.argFollow[k] = t.lastPath, t.lastPathOK, t.lastFollow
			if err == nil && !asIs {
				t.argHost[k] = res.Host
				t.argDir[k], t.argName[k] = res.Dir, res.Name
				if k == 0 && res.HasLstat {
					t.argLstat, t.argHasLstat = res.Lstat, true
				}
			}
		}
		if err != nil {
			if err == errNoTranslation {
				continue
			}
			host, err := t.failedWalk(e, p, err)
			if err != nil {
				return err
			}
			if k < len(t.argHost) {
				// What the kernel now resolves: never the guest's own string, which fake
				// root's handlers would take for a host path (tracerPath).
				t.argHost[k] = host
			}
			continue
		}
		if res.Host != "" && !res.Exists && lookupOnly(t, e) {
			return unix.ENOENT
		}
		if asIs {
			continue
		}
		if err := t.setPathArg(p.Path, res.Host); err != nil {
			return err
		}
		tr.logf(2, "pid %d: %s: %s -> %s", t.tid, e.Name, res.Guest, res.Host)
	}
	return nil
}

// ownsLastComponent reports whether path argument k of e names the entry the call itself
// creates, removes or renames. The kernel looks that last component up in its parent
// without following a symlink, trailing slash or not (fs/namei.c: filename_parentat, then
// do_mkdirat, do_mknodat, do_rmdir, do_unlinkat, do_renameat2, do_symlinkat, the new
// path of do_linkat, and open_last_lookups for O_CREAT), and then fails where the slash
// does not fit: rename or rmdir of "link/" is ENOTDIR, mkdir of it EEXIST, creat EISDIR.
// Every other lookup follows a symlink that a trailing slash ends (lookup_last).
func ownsLastComponent(t *tracee, e *syscalls.Entry, k int) bool {
	switch e.Name {
	case "mkdir", "mkdirat", "mknod", "mknodat", "rmdir", "unlink", "unlinkat",
		"rename", "renameat", "renameat2", "symlink", "symlinkat", "creat":
		return true
	case "link", "linkat":
		return k == 1
	case "open", "openat":
		return t.regs.arg(e.Paths[0].Flags)&unix.O_CREAT != 0
	case "openat2":
		// open_how.flags, the first u64 of the struct the argument points to.
		flags, err := readUint64(t.tid, t.regs.arg(e.Paths[0].Flags))
		return err == nil && flags&unix.O_CREAT != 0
	}
	return false
}

// rootHost is the host directory of the task's root: the rootfs, or where the guest
// chrooted.
func (tr *tracer) rootHost(t *tracee) string {
	if t.fs.root != "" {
		h, _ := tr.table.GuestToHost(t.fs.root)
		return h
	}
	return tr.table.Rootfs()
}

// removes reports whether e removes or renames the entry its path names.
func removes(t *tracee, e *syscalls.Entry) bool {
	switch e.Name {
	case "rmdir", "unlink", "rename", "renameat", "renameat2":
		return true
	case "unlinkat":
		return t.regs.arg(2)&^unix.AT_REMOVEDIR == 0 // else the kernel's EINVAL
	}
	return false
}

// isBindingRoot reports whether guest is where a binding (-b, not the rootfs or glue)
// shows its host path: a mount point, which cannot be removed or renamed.
func (tr *tracer) isBindingRoot(guest string) bool {
	_, b := tr.table.GuestToHost(guest)
	return b != nil && b.Guest == guest && b.Guest != "/" && !b.Glue
}

// trimSlashes drops a path's trailing slashes, but not the root's.
func trimSlashes(p string) string {
	if t := strings.TrimRight(p, "/"); t != "" {
		return t
	}
	return p
}

func isRename(e *syscalls.Entry) bool {
	return e.Name == "rename" || e.Name == "renameat" || e.Name == "renameat2"
}

// watchRename asks for the exit of a rename of from to to when some task's cwd lies at or
// under one of them: the kernel's cwd moves with the directory (it holds the inode), the
// guest paths the tracer keeps must too, or the next relative path is resolved against a
// directory that is gone (PRoot's 5bed7143 does that). The tracer's guest paths are
// what the guest's next calls resolve against; getcwd also checks the kernel's.
func (tr *tracer) watchRename(t *tracee, e *syscalls.Entry, guests, hosts [2]string) {
	from, to := guests[0], guests[1]
	exchange := e.Name == "renameat2" && t.regs.arg(4)&unix.RENAME_EXCHANGE != 0
	for _, o := range tr.tasks {
		if o.fs != nil && (hasPrefixDir(o.fs.cwd, from) || exchange && hasPrefixDir(o.fs.cwd, to)) {
			t.renameFrom, t.renameTo, t.renameExchange, t.renameHosts = from, to, exchange, hosts
			t.exit = exitRenameCwd
			return
		}
	}
}

// renamedCwds moves the cwds under a successful rename's source (and, for an exchange,
// its target) to their new guest paths.
func (tr *tracer) renamedCwds(t *tracee) {
	moved := map[*fsState]bool{}
	move := func(fs *fsState, from, to, fromHost, toHost string) bool {
		if !hasPrefixDir(fs.cwd, from) {
			return false
		}
		fs.cwd = to + strings.TrimPrefix(fs.cwd, from)
		// The host path too (a host directory may have two guest names, through a
		// binding and the rootfs: getcwd must not pick the other).
		if hasPrefixDir(fs.cwdHost, fromHost) {
			fs.cwdHost = toHost + strings.TrimPrefix(fs.cwdHost, fromHost)
		} else {
			fs.cwdHost = "" // the next getcwd takes the kernel's path afresh
		}
		return true
	}
	h := t.renameHosts
	for _, o := range tr.tasks {
		if o.fs == nil || moved[o.fs] {
			continue
		}
		moved[o.fs] = true
		if !move(o.fs, t.renameFrom, t.renameTo, h[0], h[1]) && t.renameExchange {
			move(o.fs, t.renameTo, t.renameFrom, h[1], h[0])
		}
	}
}

// failedWalk handles a path argument whose guest walk failed: the error is the answer
// for a lookup-only call (lookupOnly); any other call gets a host path on which the
// kernel's walk fails the same way, so that the kernel's own argument checks come first
// (that host path is returned). Errors no host path reproduces are returned as they are.
func (t *tracee) failedWalk(e *syscalls.Entry, p syscalls.PathArg, err error) (string, error) {
	var perr *pathmap.Error
	if !errors.As(err, &perr) || perr.Host == "" || lookupOnly(t, e) {
		return "", err
	}
	return perr.Host, t.setPathArg(p.Path, perr.Host)
}

// setPathArg points argument i at a copy of host in scratch memory.
func (t *tracee) setPathArg(i int, host string) error {
	addr, err := t.putString(host)
	if err != nil {
		return err
	}
	t.regs.setArg(i, addr)
	t.modified = true
	if t.exit == exitNone {
		t.exit = exitRestore
	}
	return nil
}

// errNoTranslation: the argument needs no translation (NULL, or empty with AT_EMPTY_PATH,
// or relative to a directory fd outside every binding).
var errNoTranslation = errors.New("no translation needed")

// resolveArg reads path argument p and resolves it in the guest.
func (tr *tracer) resolveArg(t *tracee, p syscalls.PathArg) (pathmap.Result, error) {
	res, _, err := tr.resolveArgBase(t, p, false, false)
	return res, err
}

// resolveArgBase is resolveArg that also reports whether the guest's own argument already
// names the right host file: a relative path without ".." whose resolution is exactly
// its lexical place under the host directory it is relative to (no symlink, binding or
// /proc link redirected it). The kernel then resolves the guest's string to the same
// file, so the argument and its registers are left alone and no exit stop is needed.
// With shortcut, a single no-follow name is judged without resolving it (Result is then
// empty). With own (ownsLastComponent), trailing slashes are left out of the resolution,
// which then does not follow the last component; the caller gives the kernel the slash.
func (tr *tracer) resolveArgBase(t *tracee, p syscalls.PathArg, shortcut, own bool) (pathmap.Result, bool, error) {
	addr := t.regs.arg(p.Path)
	t.lastPath, t.lastPathOK, t.lastFollow = "", false, true
	var flags uint64
	if p.Flags >= 0 {
		flags = t.regs.arg(p.Flags)
	}
	if addr == 0 {
		// utimensat(fd, NULL, ...) and fanotify_mark(..., NULL) name the fd itself;
		// elsewhere the kernel answers EFAULT by itself.
		return pathmap.Result{}, false, errNoTranslation
	}
	path, err := readString(t.tid, addr, t.pathBuf)
	if err != nil {
		return pathmap.Result{}, false, err
	}
	t.lastPath, t.lastPathOK = path, true
	if path == "" && p.EmptyOK && flags&unix.AT_EMPTY_PATH != 0 {
		return pathmap.Result{}, false, errNoTranslation
	}
	follow := true
	switch p.Follow {
	case syscalls.FollowNever:
		follow = false
	case syscalls.NoFollowIfFlag:
		follow = flags&tr.noFollowBit(t) == 0
	case syscalls.FollowIfFlag:
		follow = flags&unix.AT_SYMLINK_FOLLOW != 0
	case syscalls.OpenFlags:
		// O_CREAT|O_EXCL does not follow a final symlink (open(2): "If pathname is a
		// symbolic link, then open() fails regardless").
		follow = flags&unix.O_NOFOLLOW == 0 && flags&(unix.O_CREAT|unix.O_EXCL) != unix.O_CREAT|unix.O_EXCL
	case syscalls.Openat2How:
		var how [24]byte
		var scoped bool
		if how, follow, scoped = tr.openat2How(t, flags); scoped {
			if !tr.bindingWithin(t, p) {
				// Untranslated, and no host path for fake root's handlers to act on: the
				// kernel resolves the guest's string within the dirfd (openat2How).
				t.lastPathOK = false
				return pathmap.Result{}, true, nil
			}
			// A binding within the scope, which the kernel's walk would not see: the
			// guest walk resolves the path, and the scope flags, which refuse the
			// absolute host path it gives, are cleared (BENEATH then is not enforced;
			// IN_ROOT at the guest's root, the common case, is the guest walk itself).
			tr.clearScope(t, how)
		}
	}
	dotdot := false
	if own {
		if trimmed := trimSlashes(path); trimmed != path {
			path, follow = trimmed, false
		}
		if path == ".." || strings.HasSuffix(path, "/..") {
			// A final "..": every call that names its own entry fails on it (LAST_DOTDOT:
			// rmdir ENOTEMPTY, rename EBUSY, unlink EISDIR, mkdir EEXIST) without touching
			// the parent, which the kernel is given as "dir/.." to fail the same way.
			path, dotdot, follow = trimSlashes(strings.TrimSuffix(path, "..")), true, true
			if path == "" {
				path = "."
			}
		}
	}
	t.lastFollow = follow
	dir, hostDir := t.fs.cwd, ""
	relative := !strings.HasPrefix(path, "/")
	if shortcut && relative && !follow && tr.plainName(path) {
		// One component, not followed: the kernel looks it up in the directory the fd
		// (or the cwd, kept in step) names, exactly as the guest walk would, unless a
		// binding sits there, and no binding's guest path ends in this name. No syscall
		// is needed to decide, which matters: fts (find, tar, rm -r) makes thousands of
		// fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW) and openat(dirfd, name, O_NOFOLLOW).
		return pathmap.Result{}, true, nil
	}
	if relative && p.Dirfd >= 0 {
		fd := int32(t.regs.arg(p.Dirfd))
		if fd != unix.AT_FDCWD {
			d, h, err := tr.fdGuestPath(t, int(fd))
			if err != nil {
				return pathmap.Result{}, false, err
			}
			dir, hostDir = d, h
		}
	}
	res := pathmap.Resolver{Table: tr.table, Proc: t, Root: t.fs.root, Dirs: tr.dirsUsable()}
	r, err := tr.resolveBypassing(t, &res, dir, path, follow)
	if dotdot && err == nil {
		r.Host += "/.."
		return r, false, nil
	}
	if err != nil || !relative || hasDotDot(path) {
		return r, false, err
	}
	if hostDir == "" {
		// Relative to the cwd: the kernel's cwd is the host path of the guest's (chdir
		// is passed on translated).
		hostDir, _ = tr.table.GuestToHost(dir)
	}
	return r, r.Host == filepath.Join(hostDir, path), nil
}

// plainName reports whether p is a single ordinary component that no binding (or glue
// directory) has as its last component.
func (tr *tracer) plainName(p string) bool {
	if p == "" || p == "." || p == ".." || strings.IndexByte(p, '/') >= 0 {
		return false
	}
	_, bound := tr.boundNames[p]
	return !bound
}

// hasDotDot reports whether a path has a ".." component, which the kernel resolves
// physically and a lexical comparison cannot judge.
func hasDotDot(p string) bool {
	for p != "" {
		var c string
		c, p, _ = strings.Cut(p, "/")
		if c == ".." {
			return true
		}
	}
	return false
}

// noFollowBit is the flag bit that means "do not follow" for the syscall t is in:
// AT_SYMLINK_NOFOLLOW for the *at family, IN_DONT_FOLLOW for inotify_add_watch,
// FAN_MARK_DONT_FOLLOW for fanotify_mark.
func (tr *tracer) noFollowBit(t *tracee) uint64 {
	switch syscalls.Name(t.regs.sysno()) {
	case "inotify_add_watch":
		return unix.IN_DONT_FOLLOW
	case "fanotify_mark":
		return unix.FAN_MARK_DONT_FOLLOW
	}
	return unix.AT_SYMLINK_NOFOLLOW
}

// fdGuestPath is the guest path of the directory open as fd in the tracee, and its host
// path.
func (tr *tracer) fdGuestPath(t *tracee, fd int) (guest, host string, err error) {
	link, err := readlinkHost("/proc/" + strconv.Itoa(t.tid) + "/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", "", unix.EBADF
	}
	if !strings.HasPrefix(link, "/") {
		// Not a directory (a pipe or socket): the kernel answers ENOTDIR itself.
		return "", "", errNoTranslation
	}
	g, ok := tr.table.HostToGuest(link)
	if !ok {
		return "", "", errNoTranslation
	}
	return g, link, nil
}

// emulateChroot makes a fake-root guest's chroot take effect in the tracer: the task
// (and those sharing its fs_struct) resolve paths under the new root from now on. The
// kernel's chroot needs CAP_SYS_CHROOT, which the real user lacks; like the kernel, it
// does not change the working directory.
func (tr *tracer) emulateChroot(t *tracee, e *syscalls.Entry) error {
	res, err := tr.resolveArg(t, e.Paths[0])
	if err != nil {
		return err
	}
	if !res.Exists {
		return unix.ENOENT
	}
	var st unix.Stat_t
	if err := unix.Stat(res.Host, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	if res.Guest == "/" {
		t.fs.root = ""
	} else {
		t.fs.root = res.Guest
	}
	t.skip(0)
	return nil
}

// emulateGetcwd answers getcwd from the guest cwd the tracer keeps: the kernel's answer
// would be a host path.
func (tr *tracer) emulateGetcwd(t *tracee) error {
	buf, size := t.regs.arg(0), t.regs.arg(1)
	// The kernel's cwd may have moved under the guest: an ancestor renamed (by the guest
	// or anyone), the directory removed. Its path says so; the kernel's getcwd then
	// gives the new path, or ENOENT for a removed directory (fs/d_path.c).
	proc := "/proc/" + strconv.Itoa(t.tid) + "/cwd"
	if link, err := readlinkHost(proc); err == nil && link != t.fs.cwdHost {
		var st unix.Stat_t
		if strings.HasSuffix(link, " (deleted)") && unix.Stat(proc, &st) == nil && st.Nlink == 0 {
			return unix.ENOENT
		}
		if g, ok := tr.table.HostToGuest(link); ok {
			t.fs.cwd, t.fs.cwdHost = g, link
		}
	}
	cwd := pathmap.Inner(t.fs.root, t.fs.cwd)
	if uint64(len(cwd))+1 > size {
		return unix.ERANGE
	}
	b := append([]byte(cwd), 0)
	if err := writeMem(t.tid, buf, b); err != nil {
		return unix.EFAULT
	}
	t.skip(int64(len(b)))
	return nil
}

// answerBoundLink answers for a symlink at guest path guest (host path host) inside a
// binding: its absolute target is a host path, shown to the guest where that host tree is
// bound (pathmap.BoundTarget). Elsewhere the kernel's answer, the link's text, is the
// guest's.
func (tr *tracer) answerBoundLink(t *tracee, p syscalls.PathArg, guest, host string) error {
	if _, b := tr.table.GuestToHost(guest); b != nil && b.Guest != "/" && !b.Glue {
		if link, err := readlinkHost(host); err == nil {
			r := pathmap.Resolver{Table: tr.table}
			if g := r.BoundTarget(link, b); g != link {
				return t.answerReadlink(p, g)
			}
		}
	}
	return nil
}

// enterReadlink lets the kernel read ordinary links (their text is the guest's own) and
// answers for /proc magic links (exe, cwd, root, fd/N), whose kernel text is a host path.
func (tr *tracer) enterReadlink(t *tracee, e *syscalls.Entry) error {
	p := e.Paths[0]
	fd := unix.AT_FDCWD
	if p.Dirfd >= 0 {
		fd = int(int32(t.regs.arg(p.Dirfd)))
	}
	if fd != unix.AT_FDCWD {
		// readlinkat(fd, "") reads the symlink that fd was opened on with O_PATH and
		// O_NOFOLLOW (Linux 2.6.39, readlink(2)), whose host path the fd's own link
		// gives: the same answers as by path, else the kernel's (the link's own text).
		if s, err := readString(t.tid, t.regs.arg(p.Path), t.pathBuf); err == nil && s == "" {
			host, err := readlinkHost("/proc/" + strconv.Itoa(t.tid) + "/fd/" + strconv.Itoa(fd))
			if err != nil {
				return nil
			}
			if strings.HasPrefix(host, "/proc/") {
				if target, magic, handled := t.Readlink(host); handled && !magic {
					return t.answerReadlink(p, target)
				}
			}
			// The guest path the fd's host path maps back to (a host path inside both
			// the rootfs and a binding's host tree names the binding's).
			if guest, ok := tr.table.HostToGuest(host); ok {
				return tr.answerBoundLink(t, p, guest, host)
			}
			return nil
		}
	}
	// Resolved in full: a link inside a binding may need its text translated.
	res, asIs, err := tr.resolveArgBase(t, p, false, false)
	if err != nil {
		_, err = t.failedWalk(e, p, err)
		return err
	}
	if !res.Exists && lookupOnly(t, e) {
		return unix.ENOENT
	}
	if strings.HasPrefix(res.Host, "/proc/") {
		if target, magic, handled := t.Readlink(res.Host); handled && !magic {
			return t.answerReadlink(p, target)
		}
	}
	if res.Exists {
		if err := tr.answerBoundLink(t, p, res.Guest, res.Host); err != nil || t.skipped {
			return err
		}
	}
	if asIs {
		return nil
	}
	// Answered here: the tracer reads the link on the host and writes its text, one stop
	// where passing the translated path on costs an exit stop too (to give the guest its
	// path register back). Builds call readlink a lot: glibc's realpath() reads every
	// component of every path it canonicalizes (gcc does it for each include directory).
	// The kernel checks the buffer size first (fs/stat.c, do_readlinkat), then the path.
	if int64(t.regs.arg(p.Path+2)) <= 0 {
		return unix.EINVAL
	}
	target, err := readlinkHost(res.Host)
	if err != nil {
		return err
	}
	return t.answerReadlink(p, target)
}

// answerReadlink skips readlink and answers target, truncated to the caller's buffer
// as readlink(2) does (no NUL).
func (t *tracee) answerReadlink(p syscalls.PathArg, target string) error {
	buf, size := t.regs.arg(p.Path+1), t.regs.arg(p.Path+2)
	if int64(size) <= 0 {
		return unix.EINVAL
	}
	b := []byte(target)
	if uint64(len(b)) > size {
		b = b[:size]
	}
	if err := writeMem(t.tid, buf, b); err != nil {
		return unix.EFAULT
	}
	t.skip(int64(len(b)))
	return nil
}

// exitStop finishes a syscall at its exit stop.
func (tr *tracer) exitStop(t *tracee) {
	tr.dirsDone(t)
	if t.exit == exitNone && !t.modified && t.fakeSt.exit == fakeExitNone {
		tr.returnLoans(t)
		return
	}
	if err := getRegs(t.tid, &t.regs); err != nil {
		if !isGone(err) {
			tr.invariant(t, "read registers at syscall exit: %v", err)
		}
		return
	}
	ret := t.regs.ret()
	switch t.exit {
	case exitChdir:
		if ret == 0 {
			t.fs.cwd, t.fs.cwdHost = t.newCwd, t.newCwdHost
		}
	case exitFchdir:
		if ret == 0 {
			if link, err := readlinkHost("/proc/" + strconv.Itoa(t.tid) + "/cwd"); err == nil {
				if g, ok := tr.table.HostToGuest(link); ok {
					t.fs.cwd, t.fs.cwdHost = g, link
				}
			}
		}
	case exitExecve:
		// The execve failed (a successful one ends at its PTRACE_EVENT_EXEC stop).
		t.pendingExec = nil
		t.closeExecFD()
	case exitBindRename:
		if ret == 0 {
			if err := unix.Rename(t.aliasFrom, t.aliasTo); err != nil {
				t.regs.setRet(-int64(err.(unix.Errno)))
			}
		}
	case exitSockName:
		tr.exitSockName(t)
	case exitRecvmsg:
		tr.exitRecvmsg(t)
	case exitUname:
		tr.exitUname(t)
	case exitRenameCwd:
		if ret == 0 {
			tr.renamedCwds(t)
		}
	case exitGetAffinity, exitSetAffinity:
		tr.exitAffinity(t)
	case exitUnshareFS:
		if ret == 0 && t.fs != nil {
			// The kernel gave the task a copy of the fs_struct it shared (kernel/fork.c,
			// unshare_fs): its cwd and root change alone from now on.
			fs := *t.fs
			t.fs = &fs
		}
	}
	if t.fakeSt.exit != fakeExitNone {
		tr.fakeExit(t)
	}
	// After fake root's exit work, which may look at the file through the directories
	// whose modes were lent.
	tr.returnLoans(t)
	if t.modified {
		t.regs.restoreArgs(&t.orig)
	}
	t.modified, t.exit = false, exitNone
	if err := setRegs(t.tid, &t.regs); err != nil && !isGone(err) {
		tr.invariant(t, "write registers at syscall exit: %v", err)
	}
}

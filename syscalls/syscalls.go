// Package syscalls describes, per architecture, which system calls carry guest paths and
// how the tracer must treat them. It holds tables only: no ptrace, no behaviour.
package syscalls

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// Follow says whether a path's last component is followed when it is a symlink.
type Follow uint8

const (
	FollowAlways   Follow = iota // stat, open without O_NOFOLLOW, chdir, execve ...
	FollowNever                  // lstat, lchown, readlink, unlink, rmdir, mkdir, symlink's link path, rename ...
	NoFollowIfFlag               // AT_SYMLINK_NOFOLLOW (or AT_EMPTY_PATH handling) in the flags argument
	FollowIfFlag                 // AT_SYMLINK_FOLLOW in the flags argument (linkat)
	OpenFlags                    // O_NOFOLLOW, or O_CREAT|O_EXCL, in the flags argument: do not follow
	Openat2How                   // openat2: flags and resolve in the struct open_how the flags argument points to
)

// PathArg is one guest path argument of a syscall.
type PathArg struct {
	Path   int // index (0-5) of the argument holding the path pointer
	Dirfd  int // index of the dirfd argument, or -1 when the path is relative to the cwd
	Flags  int // index of the flags argument the Follow rule reads, or -1
	Follow Follow
	// EmptyOK: an empty path with AT_EMPTY_PATH in Flags names the dirfd itself (no translation).
	EmptyOK bool
}

// Kind groups syscalls that need special handling beyond rewriting path arguments.
type Kind uint8

const (
	Plain       Kind = iota // rewrite the PathArgs, nothing else
	Execve                  // execve, execveat: the binfmt logic
	Chdir                   // chdir: track the guest cwd on success
	Fchdir                  // fchdir: track the guest cwd on success
	Getcwd                  // getcwd: answer with the guest cwd on exit
	Readlink                // readlink, readlinkat: translate the result on exit
	Chroot                  // chroot
	SocketAddr              // bind, connect: AF_UNIX address in (addr, addrlen) args
	SendtoAddr              // sendto: AF_UNIX address in args 4, 5
	SendmsgAddr             // sendmsg: AF_UNIX address inside the msghdr
	SockNameOut             // getsockname, getpeername, accept, accept4, recvfrom: AF_UNIX name on exit
	RecvmsgOut              // recvmsg: AF_UNIX name in the msghdr on exit
	Symlink                 // symlink, symlinkat: Paths holds only the link path; the target string stays as given
	Mount                   // mount, umount2, pivot_root, new mount API: fail as for an unprivileged user (EPERM)
	Uname                   // uname: -k and --hostname rewrite the result on exit
	Sethostname             // sethostname, setdomainname: emulated under --hostname, -k, and for fake root (ptrace engine)
	Unsupported             // a path-bearing syscall groot does not translate: fail with ENOSYS
	Prctl                   // prctl: PR_SET_DUMPABLE 0 is emulated (it would lock the tracer out of the tracee's memory)
	GetAffinity             // sched_getaffinity: the CPUs groot was allowed, not the tracer's CPU it may be kept on (package colocate)
	SetAffinity             // sched_setaffinity: on success the task's placement is the guest's own
	Unshare                 // unshare: with CLONE_FS (or CLONE_NEWNS), on success the task's cwd is its own
)

// Fake says what fake root (-0, -i) does with a syscall, on top of its Kind. A row with
// a Fake operation and neither paths nor a Kind of its own (fstat, fchown, getuid, ...)
// is traced only under fake root (FakeOnly).
type Fake uint8

const (
	FakeNone       Fake = iota
	FakeStat            // struct stat at FakeArg, filled by the kernel: fake owner, mode, rdev on exit
	FakeStatx           // struct statx at FakeArg, likewise
	FakeChown           // uid, gid at FakeArg, FakeArg+1: recorded in the ownership table, the call skipped
	FakeChmod           // mode at FakeArg (flags at FakeArg+1 for fchmodat2): applied by the tracer, a refusal recorded
	FakeMknod           // mode, dev at FakeArg, FakeArg+1: a device node becomes a placeholder file
	FakeAccess          // mode at FakeArg (flags at FakeArg+1 for faccessat2): answered as root would answer
	FakeUnlink          // removes a name (flags at FakeArg for unlinkat, -1 if none): the table forgets a removed inode
	FakeRename          // renames (flags at FakeArg for renameat2, -1 if none): the table follows
	FakeCreate          // mkdir, open/creat with O_CREAT: mode at FakeArg; owner bits kept, the asked mode recorded; symlink (FakeArg -1): its owner
	FakeID              // the getuid and setuid families, getgroups, setgroups: emulated
	FakePrctl           // prctl: PR_GET_NO_NEW_PRIVS answers 0 (the seccomp filter needs the flag set)
	FakePrivileged      // capset, the setxattr family: the kernel's EPERM becomes success for a task whose euid is 0, as in PRoot
)

// Entry is one row of a syscall table.
type Entry struct {
	Name    string
	Kind    Kind
	Paths   []PathArg
	Fake    Fake
	FakeArg int // the argument Fake reads first (see each Fake value)
}

// FakeOnly reports whether the row matters only under fake root.
func (e *Entry) FakeOnly() bool { return e.Kind == Plain && len(e.Paths) == 0 }

// Lookup returns the row for syscall number nr on this architecture (GOARCH), or nil when
// the syscall carries no path and needs no handling.
func Lookup(nr int) *Entry {
	if nr < 0 || nr >= len(table) {
		return nil
	}
	return table[nr]
}

// Numbers lists, sorted, every syscall number that has a row.
func Numbers() []int {
	var out []int
	for nr, e := range table {
		if e != nil {
			out = append(out, nr)
		}
	}
	return out
}

// NeedsExit reports whether a row of this kind has its result fixed or observed at the
// syscall-exit stop, whatever happened to its arguments. (Restoring argument registers the
// tracer rewrote is a separate reason for an exit stop: the syscall ABI preserves them on
// both architectures, so the guest must find its own values again.) Per kind:
//
//   - Chdir, Fchdir: the guest cwd changes only if the kernel's chdir succeeded.
//   - SocketAddr: bind through a short alias (a host path over sun_path's 108 bytes) must
//     rename the socket to its real place once it exists.
//   - SockNameOut, RecvmsgOut: the kernel writes a host AF_UNIX name the guest must not see.
//   - Uname: -k and --hostname rewrite the utsname the kernel filled (the tracer may skip
//     the exit stop when neither option is set).
//   - GetAffinity, SetAffinity: the mask the kernel wrote is replaced with the guest's
//     view; a successful set hands the task's placement to the guest (both only for a
//     task the tracer places, and only while it places tasks).
//   - Unshare: a task that unshared CLONE_FS stops sharing its cwd with the tasks it
//     shared it with (only then is the exit stop asked for).
//   - Execve: no; the new image is seen at PTRACE_EVENT_EXEC, a failed exec only needs
//     its arguments restored.
//   - Getcwd, Sethostname: no; answered at entry, the syscall itself is skipped.
//   - Readlink: no; /proc magic links and links inside bindings are answered at entry,
//     other links' text is the guest's own.
//   - Plain, Chroot, Symlink, SendtoAddr, SendmsgAddr: no; the kernel's result stands.
//   - Mount, Unsupported: no; failed at entry.
func NeedsExit(e *Entry) bool {
	switch e.Kind {
	case Chdir, Fchdir, SocketAddr, SockNameOut, RecvmsgOut, Uname, GetAffinity, SetAffinity, Unshare:
		return true
	}
	return false
}

// names (zsysnames_<arch>.go) lists every syscall of each architecture, regenerated
// from golang.org/x/sys's zsysnum files when go.mod moves x/sys
// (TestNamesMatchXSys fails until then).
//go:generate sh gen_names.sh

// Name returns the syscall's name for logs, or "syscall_NR".
func Name(nr int) string {
	if n, ok := names[nr]; ok {
		return n
	}
	return "syscall_" + strconv.Itoa(nr)
}

// table is indexed by syscall number; filled from the rows of this file and the
// architecture's own file.
var table [1024]*Entry

func add(rows map[int]Entry) {
	for nr, e := range rows {
		e := e
		if e.Name == "" {
			e.Name = names[nr]
		}
		table[nr] = &e
	}
}

// Argument shorthands for the rows.
func path(i int) PathArg       { return PathArg{Path: i, Dirfd: -1, Flags: -1, Follow: FollowAlways} }
func lpath(i int) PathArg      { return PathArg{Path: i, Dirfd: -1, Flags: -1, Follow: FollowNever} }
func at(dirfd, p int) PathArg  { return PathArg{Path: p, Dirfd: dirfd, Flags: -1, Follow: FollowAlways} }
func lat(dirfd, p int) PathArg { return PathArg{Path: p, Dirfd: dirfd, Flags: -1, Follow: FollowNever} }
func atFlags(dirfd, p, flags int) PathArg {
	return PathArg{Path: p, Dirfd: dirfd, Flags: flags, Follow: NoFollowIfFlag}
}
func atEmptyFlags(dirfd, p, flags int) PathArg {
	return PathArg{Path: p, Dirfd: dirfd, Flags: flags, Follow: NoFollowIfFlag, EmptyOK: true}
}

func plain(args ...PathArg) Entry { return Entry{Kind: Plain, Paths: args} }

// fake adds fake root's operation to a row.
func fake(e Entry, f Fake, arg int) Entry {
	e.Fake, e.FakeArg = f, arg
	return e
}

// fakeOnly is a row without paths that only fake root traces.
func fakeOnly(f Fake, arg int) Entry { return Entry{Kind: Plain, Fake: f, FakeArg: arg} }

// Syscalls that touch paths yet deliberately have no row (the guest's call reaches the
// kernel untouched):
//   - open_by_handle_at, fanotify's event fds, quotactl_fd, kexec_file_load, finit_module:
//     they take fds or handles, which already name host files the guest opened.
//   - bpf: BPF_OBJ_PIN/BPF_OBJ_GET carry a bpffs path inside union bpf_attr; an
//     unprivileged guest cannot mount a bpffs, and the host's /sys/fs/bpf is where the
//     guest sees it when /sys is bound as PRoot binds it.
//   - statmount, listmount: they return mount points as host paths, as
//     /proc/self/mountinfo does, which groot does not rewrite either.
//   - memfd_create, mq_open, add_key, init_module's args, sysfs: their names are not
//     filesystem paths.

// commonRows are the syscalls that exist on every architecture groot supports (the
// asm-generic *at family and friends). Argument positions follow the kernel's
// SYSCALL_DEFINE lines (fs/open.c, fs/stat.c, fs/namei.c, fs/xattr.c, ...).
func commonRows() map[int]Entry {
	return map[int]Entry{
		unix.SYS_OPENAT:            {Kind: Plain, Paths: []PathArg{{Path: 1, Dirfd: 0, Flags: 2, Follow: OpenFlags}}, Fake: FakeCreate, FakeArg: 3},
		unix.SYS_OPENAT2:           {Kind: Plain, Paths: []PathArg{{Path: 1, Dirfd: 0, Flags: 2, Follow: Openat2How}}},
		unix.SYS_NEWFSTATAT:        fake(plain(atEmptyFlags(0, 1, 3)), FakeStat, 2),
		unix.SYS_STATX:             fake(plain(atEmptyFlags(0, 1, 2)), FakeStatx, 4),
		unix.SYS_STATFS:            plain(path(0)),
		unix.SYS_FACCESSAT:         fake(plain(at(0, 1)), FakeAccess, 2),
		unix.SYS_FACCESSAT2:        fake(plain(atEmptyFlags(0, 1, 3)), FakeAccess, 2),
		unix.SYS_READLINKAT:        {Kind: Readlink, Paths: []PathArg{lat(0, 1)}},
		unix.SYS_EXECVE:            {Kind: Execve, Paths: []PathArg{path(0)}},
		unix.SYS_EXECVEAT:          {Kind: Execve, Paths: []PathArg{atEmptyFlags(0, 1, 4)}},
		unix.SYS_CHDIR:             {Kind: Chdir, Paths: []PathArg{path(0)}},
		unix.SYS_FCHDIR:            {Kind: Fchdir},
		unix.SYS_GETCWD:            {Kind: Getcwd},
		unix.SYS_CHROOT:            {Kind: Chroot, Paths: []PathArg{path(0)}},
		unix.SYS_MKDIRAT:           fake(plain(lat(0, 1)), FakeCreate, 2),
		unix.SYS_MKNODAT:           fake(plain(lat(0, 1)), FakeMknod, 2),
		unix.SYS_UNLINKAT:          fake(plain(lat(0, 1)), FakeUnlink, 2),
		unix.SYS_RENAMEAT:          fake(plain(lat(0, 1), lat(2, 3)), FakeRename, -1),
		unix.SYS_RENAMEAT2:         fake(plain(lat(0, 1), lat(2, 3)), FakeRename, 4),
		unix.SYS_LINKAT:            plain(PathArg{Path: 1, Dirfd: 0, Flags: 4, Follow: FollowIfFlag, EmptyOK: true}, lat(2, 3)),
		unix.SYS_SYMLINKAT:         {Kind: Symlink, Paths: []PathArg{lat(1, 2)}, Fake: FakeCreate, FakeArg: -1},
		unix.SYS_FCHMODAT:          fake(plain(at(0, 1)), FakeChmod, 2),
		unix.SYS_FCHMODAT2:         fake(plain(atEmptyFlags(0, 1, 3)), FakeChmod, 2),
		unix.SYS_FCHOWNAT:          fake(plain(atEmptyFlags(0, 1, 4)), FakeChown, 2),
		unix.SYS_TRUNCATE:          plain(path(0)),
		unix.SYS_UTIMENSAT:         plain(atEmptyFlags(0, 1, 3)),
		unix.SYS_SETXATTR:          fake(plain(path(0)), FakePrivileged, -1),
		unix.SYS_LSETXATTR:         fake(plain(lpath(0)), FakePrivileged, -1),
		unix.SYS_GETXATTR:          plain(path(0)),
		unix.SYS_LGETXATTR:         plain(lpath(0)),
		unix.SYS_LISTXATTR:         plain(path(0)),
		unix.SYS_LLISTXATTR:        plain(lpath(0)),
		unix.SYS_REMOVEXATTR:       plain(path(0)),
		unix.SYS_LREMOVEXATTR:      plain(lpath(0)),
		unix.SYS_SETXATTRAT:        fake(plain(atEmptyFlags(0, 1, 2)), FakePrivileged, -1),
		unix.SYS_GETXATTRAT:        plain(atEmptyFlags(0, 1, 2)),
		unix.SYS_LISTXATTRAT:       plain(atEmptyFlags(0, 1, 2)),
		unix.SYS_REMOVEXATTRAT:     plain(atEmptyFlags(0, 1, 2)),
		unix.SYS_INOTIFY_ADD_WATCH: plain(PathArg{Path: 1, Dirfd: -1, Flags: 2, Follow: NoFollowIfFlag}),
		unix.SYS_FANOTIFY_MARK:     plain(PathArg{Path: 4, Dirfd: 3, Flags: 1, Follow: NoFollowIfFlag}),
		unix.SYS_NAME_TO_HANDLE_AT: plain(PathArg{Path: 1, Dirfd: 0, Flags: 4, Follow: FollowIfFlag, EmptyOK: true}),
		// open_tree without OPEN_TREE_CLONE is an O_PATH open any user may make; with it
		// the kernel itself answers EPERM to an unprivileged caller (fs/namespace.c).
		unix.SYS_OPEN_TREE:      plain(atEmptyFlags(0, 1, 2)),
		unix.SYS_OPEN_TREE_ATTR: plain(atEmptyFlags(0, 1, 2)), // Linux 6.15: open_tree + attr, size
		// file_getattr/file_setattr(dfd, filename, ufattr, usize, at_flags), Linux 6.17.
		unix.SYS_FILE_GETATTR:  plain(atEmptyFlags(0, 1, 4)),
		unix.SYS_FILE_SETATTR:  plain(atEmptyFlags(0, 1, 4)),
		unix.SYS_ACCT:          plain(path(0)),
		unix.SYS_SWAPON:        plain(path(0)),
		unix.SYS_SWAPOFF:       plain(path(0)),
		unix.SYS_QUOTACTL:      plain(path(1)),
		unix.SYS_MOUNT:         {Kind: Mount},
		unix.SYS_UMOUNT2:       {Kind: Mount},
		unix.SYS_PIVOT_ROOT:    {Kind: Mount},
		unix.SYS_MOVE_MOUNT:    {Kind: Mount},
		unix.SYS_FSOPEN:        {Kind: Mount},
		unix.SYS_FSCONFIG:      {Kind: Mount},
		unix.SYS_FSMOUNT:       {Kind: Mount},
		unix.SYS_FSPICK:        {Kind: Mount},
		unix.SYS_MOUNT_SETATTR: {Kind: Mount},
		unix.SYS_BIND:          {Kind: SocketAddr},
		unix.SYS_CONNECT:       {Kind: SocketAddr},
		unix.SYS_SENDTO:        {Kind: SendtoAddr},
		unix.SYS_SENDMSG:       {Kind: SendmsgAddr},
		unix.SYS_GETSOCKNAME:   {Kind: SockNameOut},
		unix.SYS_GETPEERNAME:   {Kind: SockNameOut},
		unix.SYS_ACCEPT:        {Kind: SockNameOut},
		unix.SYS_ACCEPT4:       {Kind: SockNameOut},
		unix.SYS_RECVFROM:      {Kind: SockNameOut},
		unix.SYS_RECVMSG:       {Kind: RecvmsgOut},
		unix.SYS_UNAME:         {Kind: Uname},
		unix.SYS_SETHOSTNAME:   {Kind: Sethostname},
		unix.SYS_SETDOMAINNAME: {Kind: Sethostname},
		// sched_{get,set}affinity(pid, len, user_mask_ptr) (kernel/sched/syscalls.c).
		unix.SYS_SCHED_GETAFFINITY: {Kind: GetAffinity},
		unix.SYS_SCHED_SETAFFINITY: {Kind: SetAffinity},
		// unshare(flags) (kernel/fork.c, ksys_unshare): CLONE_NEWNS implies CLONE_FS.
		unix.SYS_UNSHARE: {Kind: Unshare},

		// lookup_dcookie writes a host path into the caller's buffer (it needed
		// CAP_SYS_ADMIN, and Linux 6.8 removed it: ENOSYS is the kernel's own answer now).
		unix.SYS_LOOKUP_DCOOKIE: {Kind: Unsupported},
		// io_uring carries paths (IORING_OP_OPENAT, STATX, RENAMEAT, UNLINKAT, MKDIRAT,
		// SYMLINKAT, LINKAT, *XATTR) inside ring memory the kernel reads asynchronously,
		// without any syscall stop (with IORING_SETUP_SQPOLL not even io_uring_enter):
		// ptrace cannot translate them. Refusing the ring's creation with ENOSYS, what a
		// kernel built without io_uring answers, makes its users (liburing, tokio, qemu)
		// fall back to plain syscalls, which are translated.
		unix.SYS_IO_URING_SETUP: {Kind: Unsupported},

		// Fake root only: fd-based ownership calls and identities (include/linux/syscalls.h).
		unix.SYS_FSTAT:     fakeOnly(FakeStat, 1),
		unix.SYS_FCHOWN:    fakeOnly(FakeChown, 1),
		unix.SYS_FCHMOD:    fakeOnly(FakeChmod, 1),
		unix.SYS_GETUID:    fakeOnly(FakeID, 0),
		unix.SYS_GETEUID:   fakeOnly(FakeID, 0),
		unix.SYS_GETGID:    fakeOnly(FakeID, 0),
		unix.SYS_GETEGID:   fakeOnly(FakeID, 0),
		unix.SYS_GETRESUID: fakeOnly(FakeID, 0),
		unix.SYS_GETRESGID: fakeOnly(FakeID, 0),
		unix.SYS_GETGROUPS: fakeOnly(FakeID, 0),
		unix.SYS_SETUID:    fakeOnly(FakeID, 0),
		unix.SYS_SETGID:    fakeOnly(FakeID, 0),
		unix.SYS_SETREUID:  fakeOnly(FakeID, 0),
		unix.SYS_SETREGID:  fakeOnly(FakeID, 0),
		unix.SYS_SETRESUID: fakeOnly(FakeID, 0),
		unix.SYS_SETRESGID: fakeOnly(FakeID, 0),
		unix.SYS_SETFSUID:  fakeOnly(FakeID, 0),
		unix.SYS_SETFSGID:  fakeOnly(FakeID, 0),
		unix.SYS_SETGROUPS: fakeOnly(FakeID, 0),
		unix.SYS_PRCTL:     {Kind: Prctl, Fake: FakePrctl},
		// security.* and trusted.* extended attributes (setcap's security.capability)
		// and raising capabilities need privileges the real user lacks.
		unix.SYS_CAPSET:    fakeOnly(FakePrivileged, -1),
		unix.SYS_FSETXATTR: fakeOnly(FakePrivileged, -1),
	}
}

func init() {
	add(commonRows())
	add(archRows())
}

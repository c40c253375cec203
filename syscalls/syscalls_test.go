package syscalls

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestRows(t *testing.T) {
	for _, nr := range Numbers() {
		e := Lookup(nr)
		if e.Name == "" || e.Name != Name(nr) {
			t.Errorf("syscall %d: row name %q, names table %q", nr, e.Name, Name(nr))
		}
		seen := map[int]bool{}
		for _, p := range e.Paths {
			for _, i := range []int{p.Path, p.Dirfd, p.Flags} {
				if i < -1 || i > 5 {
					t.Errorf("%s: argument index %d out of range", e.Name, i)
				}
			}
			if seen[p.Path] {
				t.Errorf("%s: path argument %d listed twice", e.Name, p.Path)
			}
			seen[p.Path] = true
			if p.Path < 0 || p.Path == p.Dirfd || p.Path == p.Flags || p.Dirfd >= 0 && p.Dirfd == p.Flags {
				t.Errorf("%s: path %d, dirfd %d and flags %d must be distinct arguments", e.Name, p.Path, p.Dirfd, p.Flags)
			}
			if p.EmptyOK && p.Flags < 0 {
				t.Errorf("%s: EmptyOK needs a flags argument to hold AT_EMPTY_PATH", e.Name)
			}
			if (p.Follow == NoFollowIfFlag || p.Follow == FollowIfFlag || p.Follow == OpenFlags) && p.Flags < 0 {
				t.Errorf("%s: follow rule %d needs a flags argument", e.Name, p.Follow)
			}
		}
		for _, p := range e.Paths {
			if p.Dirfd >= 0 && seen[p.Dirfd] || p.Flags >= 0 && seen[p.Flags] {
				t.Errorf("%s: a dirfd or flags argument is another path argument", e.Name)
			}
		}
		if e.Kind == Plain && len(e.Paths) == 0 && e.Fake == FakeNone {
			t.Errorf("%s: a plain row without a path argument or a fake-root operation", e.Name)
		}
		if e.Fake != FakeNone && (e.FakeArg < -1 || e.FakeArg > 5 || e.FakeArg == -1 && e.Fake != FakeUnlink && e.Fake != FakeRename && e.Fake != FakePrivileged && e.Kind != Symlink) {
			t.Errorf("%s: fake-root argument %d out of range", e.Name, e.FakeArg)
		}
		for _, p := range e.Paths {
			if e.Fake != FakeNone && e.Fake != FakeID && e.FakeArg == p.Path {
				t.Errorf("%s: fake-root argument %d is a path argument", e.Name, e.FakeArg)
			}
		}
	}
}

// TestCoverage checks that the path-bearing syscalls the issue names have rows with the
// right kind on this architecture.
func TestCoverage(t *testing.T) {
	want := map[int]Kind{
		unix.SYS_OPENAT: Plain, unix.SYS_OPENAT2: Plain, unix.SYS_NEWFSTATAT: Plain, unix.SYS_STATX: Plain,
		unix.SYS_FACCESSAT2: Plain, unix.SYS_READLINKAT: Readlink, unix.SYS_EXECVE: Execve, unix.SYS_EXECVEAT: Execve,
		unix.SYS_CHDIR: Chdir, unix.SYS_FCHDIR: Fchdir, unix.SYS_GETCWD: Getcwd, unix.SYS_FCHMODAT2: Plain,
		unix.SYS_RENAMEAT2: Plain, unix.SYS_LINKAT: Plain, unix.SYS_SYMLINKAT: Symlink, unix.SYS_UTIMENSAT: Plain,
		unix.SYS_SETXATTRAT: Plain, unix.SYS_REMOVEXATTRAT: Plain, unix.SYS_NAME_TO_HANDLE_AT: Plain,
		unix.SYS_MOUNT: Mount, unix.SYS_PIVOT_ROOT: Mount, unix.SYS_FSOPEN: Mount,
		unix.SYS_BIND: SocketAddr, unix.SYS_CONNECT: SocketAddr, unix.SYS_SENDMSG: SendmsgAddr,
		unix.SYS_GETSOCKNAME: SockNameOut, unix.SYS_RECVMSG: RecvmsgOut, unix.SYS_UNAME: Uname,
	}
	for nr, kind := range want {
		e := Lookup(nr)
		if e == nil || e.Kind != kind {
			t.Errorf("syscall %s (%d): row %+v, want kind %d", Name(nr), nr, e, kind)
		}
	}
	if Lookup(unix.SYS_GETPID) != nil || Lookup(unix.SYS_READ) != nil {
		t.Errorf("getpid/read have rows: the filter would stop on them")
	}
}

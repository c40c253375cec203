package syscalls

import "golang.org/x/sys/unix"

// AuditArch is seccomp_data.arch for this architecture's native syscalls.
const AuditArch = unix.AUDIT_ARCH_X86_64

// archRows are x86_64's legacy path syscalls, which arm64 (asm-generic) lacks.
func archRows() map[int]Entry {
	return map[int]Entry{
		unix.SYS_OPEN:      {Kind: Plain, Paths: []PathArg{{Path: 0, Dirfd: -1, Flags: 1, Follow: OpenFlags}}, Fake: FakeCreate, FakeArg: 2},
		unix.SYS_CREAT:     fake(plain(path(0)), FakeCreate, 1),
		unix.SYS_STAT:      fake(plain(path(0)), FakeStat, 1),
		unix.SYS_LSTAT:     fake(plain(lpath(0)), FakeStat, 1),
		unix.SYS_ACCESS:    fake(plain(path(0)), FakeAccess, 1),
		unix.SYS_READLINK:  {Kind: Readlink, Paths: []PathArg{lpath(0)}},
		unix.SYS_MKDIR:     fake(plain(lpath(0)), FakeCreate, 1),
		unix.SYS_MKNOD:     fake(plain(lpath(0)), FakeMknod, 1),
		unix.SYS_RMDIR:     fake(plain(lpath(0)), FakeUnlink, -1),
		unix.SYS_UNLINK:    fake(plain(lpath(0)), FakeUnlink, -1),
		unix.SYS_RENAME:    fake(plain(lpath(0), lpath(1)), FakeRename, -1),
		unix.SYS_LINK:      plain(lpath(0), lpath(1)),
		unix.SYS_SYMLINK:   {Kind: Symlink, Paths: []PathArg{lpath(1)}, Fake: FakeCreate, FakeArg: -1},
		unix.SYS_CHMOD:     fake(plain(path(0)), FakeChmod, 1),
		unix.SYS_CHOWN:     fake(plain(path(0)), FakeChown, 1),
		unix.SYS_LCHOWN:    fake(plain(lpath(0)), FakeChown, 1),
		unix.SYS_UTIME:     plain(path(0)),
		unix.SYS_UTIMES:    plain(path(0)),
		unix.SYS_FUTIMESAT: plain(at(0, 1)),
		unix.SYS_USELIB:    plain(path(0)),
	}
}

package syscalls

import "golang.org/x/sys/unix"

// AuditArch is seccomp_data.arch for this architecture's native syscalls.
const AuditArch = unix.AUDIT_ARCH_X86_64

// archRows are x86_64's legacy path syscalls, which arm64 (asm-generic) lacks.
func archRows() map[int]Entry {
	return map[int]Entry{
		unix.SYS_OPEN:      {Kind: Plain, Paths: []PathArg{{Path: 0, Dirfd: -1, Flags: 1, Follow: OpenFlags}}},
		unix.SYS_CREAT:     plain(path(0)),
		unix.SYS_STAT:      plain(path(0)),
		unix.SYS_LSTAT:     plain(lpath(0)),
		unix.SYS_ACCESS:    plain(path(0)),
		unix.SYS_READLINK:  {Kind: Readlink, Paths: []PathArg{lpath(0)}},
		unix.SYS_MKDIR:     plain(lpath(0)),
		unix.SYS_MKNOD:     plain(lpath(0)),
		unix.SYS_RMDIR:     plain(lpath(0)),
		unix.SYS_UNLINK:    plain(lpath(0)),
		unix.SYS_RENAME:    plain(lpath(0), lpath(1)),
		unix.SYS_LINK:      plain(lpath(0), lpath(1)),
		unix.SYS_SYMLINK:   {Kind: Symlink, Paths: []PathArg{lpath(1)}},
		unix.SYS_CHMOD:     plain(path(0)),
		unix.SYS_CHOWN:     plain(path(0)),
		unix.SYS_LCHOWN:    plain(lpath(0)),
		unix.SYS_UTIME:     plain(path(0)),
		unix.SYS_UTIMES:    plain(path(0)),
		unix.SYS_FUTIMESAT: plain(at(0, 1)),
		unix.SYS_USELIB:    plain(path(0)),
	}
}

// Package syscalls describes, per architecture, which system calls carry guest paths and
// how the tracer must treat them. It holds tables only: no ptrace, no behaviour.
package syscalls

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
	Unsupported             // a path-bearing syscall groot does not translate: fail with ENOSYS
)

// Entry is one row of a syscall table.
type Entry struct {
	Name  string
	Kind  Kind
	Paths []PathArg
}

// Lookup returns the row for syscall number nr on this architecture (GOARCH), or nil when
// the syscall carries no path and needs no handling.
func Lookup(nr int) *Entry {
	if nr < 0 || nr >= len(table) {
		return nil
	}
	return table[nr]
}

// Name returns the syscall's name for logs, or "syscall_NR".
func Name(nr int) string {
	if nr >= 0 && nr < len(names) && names[nr] != "" {
		return names[nr]
	}
	return "syscall_" + itoa(nr)
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

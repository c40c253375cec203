package tracer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/groot-sandbox/groot/binfmt"
	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// maxArgs bounds how many argv entries the tracer reads. The kernel's own bound is
// MAX_ARG_STRINGS (0x7FFFFFFF), but argv and envp, each string with its pointer (at
// least 9 bytes), must fit in a quarter of the stack rlimit and never more than 6 MiB
// (fs/exec.c, bprm_stack_limits: _STK_LIM / 4 * 3): fewer than 700,000 entries.
const maxArgs = 1 << 20

// enterExecve plans the exec in guest space (package binfmt) and points the kernel at
// what must really run: the program itself when it is static, else the guest's ELF
// interpreter (see the package comment).
func (tr *tracer) enterExecve(t *tracee, e *syscalls.Entry) error {
	isAt := e.Name == "execveat"
	pathArg, argvArg := 0, 1
	if isAt {
		pathArg, argvArg = 1, 2
	}
	filename, win, err := readStringWindow(t.tid, t.regs.arg(pathArg), t.pathBuf)
	if err != nil {
		return err
	}
	t.execFilename = ""
	if !isAt {
		t.execFilename = filename // for AT_EXECFN (patchAuxv)
	}
	dir := t.fs.cwd
	// fdHost: the program is a file no guest path names (a memfd, a deleted file),
	// reached through a duplicate of the guest's fd; comm: the name the kernel gives the
	// process when it is not the basename of filename.
	var fdHost, comm string
	if isAt {
		flags := t.regs.arg(4)
		fd := int32(t.regs.arg(0))
		switch {
		case filename == "" && flags&unix.AT_EMPTY_PATH != 0:
			// fexecve: the program is the file open as fd. The process is named after
			// the file (commit 543841d18060, "exec: fix up /proc/pid/comm in the
			// execveat(AT_EMPTY_PATH) case", Linux 6.14 and the stable kernels it went
			// back to, Debian's 6.1 among them); before, after the fd's number.
			name, host, err := tr.fdProgram(t, "/proc/"+strconv.Itoa(t.tid)+"/fd/"+strconv.Itoa(int(fd)))
			if err != nil {
				return unix.EBADF
			}
			filename, fdHost = name, host
			comm = truncComm(filepath.Base(strings.TrimSuffix(name, " (deleted)")))
		case filename != "" && filename[0] != '/' && fd != unix.AT_FDCWD:
			d, _, err := tr.fdGuestPath(t, int(fd))
			if err != nil {
				return unix.EBADF
			}
			dir = d
		}
		if flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
			res := pathmap.Resolver{Table: tr.table, Proc: t, Root: t.fs.root}
			if r, err := res.Resolve(dir, filename, false); err == nil {
				var st unix.Stat_t
				if unix.Lstat(r.Host, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
					return unix.ELOOP
				}
			}
		}
	}
	res := &pathmap.Resolver{Table: tr.table, Proc: t, Root: t.fs.root}
	if fdHost == "" && (strings.HasPrefix(filename, "/proc/") || strings.HasPrefix(filename, "/dev/fd/")) {
		// execve("/proc/self/fd/N"), glibc's fexecve where execveat is refused: the
		// same file, named after N.
		if r, err := res.Resolve(dir, filename, true); err == nil && r.Exists && isFDLink(r.Host) {
			name, host, err := tr.fdProgram(t, r.Host)
			if err != nil {
				return unix.ENOENT
			}
			comm = truncComm(filepath.Base(filename))
			filename, fdHost = name, host
		}
	}
	var first pathmap.Result
	if fdHost == "" {
		// The program first: a failed lookup, every miss of a PATH search (execvp tries
		// each directory in turn), costs no read of the arguments.
		if filename == "" {
			return unix.ENOENT
		}
		if first, err = res.Resolve(dir, filename, true); err != nil {
			return err // a *pathmap.Error: enter takes the errno it wraps
		}
		if !first.Exists {
			return unix.ENOENT
		}
	}
	argv, err := readArgv(t.tid, t.regs.arg(argvArg), win)
	if err != nil {
		return err
	}
	var plan *binfmt.Plan
	if fdHost != "" {
		plan, err = binfmt.PrepareFile(res, dir, filename, fdHost, argv)
	} else {
		plan, err = binfmt.PrepareResolved(res, dir, filename, first, argv)
	}
	if err != nil {
		return err
	}
	if comm != "" {
		plan.Comm = comm
	}
	target := plan.Host
	if plan.InterpHost != "" {
		target = plan.InterpHost
	}
	// The kernel names the process after the basename of the path it is given
	// (fs/exec.c, __set_task_comm(kbasename(bprm->filename))): give it a path whose
	// basename is the name native Linux would show.
	if base := filepath.Base(target); truncComm(base) != plan.Comm {
		target, err = tr.commLink(target, plan.Comm)
		if err != nil {
			return err
		}
	}
	if err := t.setPathArg(pathArg, target); err != nil {
		return err
	}
	t.execTarget = target
	if isAt {
		t.regs.setArg(0, atFdcwdArg)
		t.regs.setArg(4, t.regs.arg(4)&^uint64(unix.AT_EMPTY_PATH|unix.AT_SYMLINK_NOFOLLOW))
	}
	if plan.Changed {
		addr, err := t.putArgv(plan.Argv)
		if err != nil {
			return err
		}
		t.regs.setArg(argvArg, addr)
	}
	tr.logf(2, "pid %d: execve %s -> %s (runs %s)", t.tid, filename, plan.Guest, target)
	t.pendingExec = plan
	t.exit = exitExecve
	return nil
}

// fdProgram is what an exec through the fd link magic (/proc/PID/fd/N) runs: the guest
// path of the file when it has one (then host is ""), else the link's text (what
// /proc/PID/exe shows natively: "/memfd:NAME (deleted)") and a path the tracer and the
// tracee can open the file by until the exec is over — a duplicate of it in the tracer:
// the exec closes the guest's fd when it is close-on-exec, before the program is loaded
// at the exec event.
func (tr *tracer) fdProgram(t *tracee, magic string) (name, host string, err error) {
	link, err := readlinkHost(magic)
	if err != nil {
		return "", "", err
	}
	if g, ok := tr.table.HostToGuest(link); ok {
		return g, "", nil
	}
	local, err := unix.Open(magic, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", "", err
	}
	t.closeExecFD()
	t.execFD = local
	return link, "/proc/" + strconv.Itoa(os.Getpid()) + "/fd/" + strconv.Itoa(local), nil
}

// isFDLink reports whether host is an fd link of /proc: /proc/PID/fd/N or
// /proc/PID/task/TID/fd/N.
func isFDLink(host string) bool {
	rest, ok := strings.CutPrefix(host, "/proc/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	if len(parts) == 5 && parts[1] == "task" {
		parts = parts[2:]
	}
	if len(parts) != 3 || parts[1] != "fd" {
		return false
	}
	for _, p := range []string{parts[0], parts[2]} {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

func truncComm(s string) string {
	if len(s) > 15 {
		return s[:15]
	}
	return s
}

// commLink returns a symlink in the scratch directory, named name, pointing at target:
// scratch/exe/NAME for the first target of that name, scratch/exe/N/NAME for another
// (rare: two interpreters behind programs of one name). Directories are few because each
// costs at start and at exit: 0.2 ms a mkdir or rmdir on an ext4 mounted with discard.
func (tr *tracer) commLink(target, name string) (string, error) {
	key := [2]string{target, name}
	if l, ok := tr.links[key]; ok {
		return l, nil
	}
	dir := filepath.Join(tr.cfg.Scratch, "exe")
	if tr.linkNames[name] {
		tr.nlinks++
		dir = filepath.Join(dir, strconv.Itoa(tr.nlinks))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	l := filepath.Join(dir, name)
	if err := os.Symlink(target, l); err != nil {
		return "", err
	}
	tr.links[key] = l
	tr.linkNames[name] = true
	return l, nil
}

// readArgv reads a NULL-terminated array of string pointers.
func readArgv(tid int, addr uint64, filename memWindow) ([]string, error) {
	if addr == 0 {
		return nil, nil
	}
	var out []string
	var page [512]uint64
	buf := make([]byte, 0, pathMax)
	for len(out) < maxArgs {
		// Read pointers up to the end of the current page.
		n := int((4096 - addr%4096) / 8)
		if n == 0 {
			n = 1
		}
		words := page[:n]
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n*8)
		if err := readMem(tid, addr, raw); err != nil {
			return nil, unix.EFAULT
		}
		// Shells and libcs keep argv's strings next to the array or the filename: those
		// are in memory already read.
		ptrs := memWindow{addr: addr, data: raw}
		for _, p := range words {
			if p == 0 {
				return out, nil
			}
			s, ok := filename.str(p)
			if !ok {
				s, ok = ptrs.str(p)
			}
			if !ok {
				var err error
				if s, err = readStringMax(tid, p, buf, argStrMax); err == unix.ENAMETOOLONG {
					return nil, unix.E2BIG // longer than MAX_ARG_STRLEN (fs/exec.c, copy_strings)
				} else if err != nil {
					return nil, unix.EFAULT
				}
			}
			out = append(out, s)
		}
		addr += uint64(n * 8)
	}
	return nil, unix.E2BIG
}

// putArgv writes a new argv (strings and the pointer array) into scratch memory.
func (t *tracee) putArgv(argv []string) (uint64, error) {
	ptrs := make([]uint64, len(argv)+1)
	for i, s := range argv {
		a, err := t.putString(s)
		if err != nil {
			return 0, err
		}
		ptrs[i] = a
	}
	addr := t.alloc(len(ptrs) * 8)
	return addr, writeMem(t.tid, addr, unsafe.Slice((*byte)(unsafe.Pointer(&ptrs[0])), len(ptrs)*8))
}

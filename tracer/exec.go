package tracer

import (
	"os"
	"path/filepath"
	"strconv"
	"unsafe"

	"github.com/groot-sandbox/groot/binfmt"
	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// maxArgs bounds how many argv entries the tracer reads (the kernel's own bound is
// MAX_ARG_STRINGS, 0x7FFFFFFF, but argv+envp must fit in a quarter of the stack rlimit).
const maxArgs = 1 << 17

// enterExecve plans the exec in guest space (package binfmt) and points the kernel at
// what must really run: the program itself when it is static, else the guest's ELF
// interpreter (see the package comment).
func (tr *tracer) enterExecve(t *tracee, e *syscalls.Entry) error {
	isAt := e.Name == "execveat"
	pathArg, argvArg := 0, 1
	if isAt {
		pathArg, argvArg = 1, 2
	}
	filename, err := readString(t.tid, t.regs.arg(pathArg), t.pathBuf)
	if err != nil {
		return err
	}
	t.execFilename = ""
	if !isAt {
		t.execFilename = filename // for AT_EXECFN (patchAuxv)
	}
	dir := t.fs.cwd
	if isAt {
		flags := t.regs.arg(4)
		fd := int32(t.regs.arg(0))
		switch {
		case filename == "" && flags&unix.AT_EMPTY_PATH != 0:
			// fexecve: the program is the file open as fd.
			link, err := readlinkHost("/proc/" + strconv.Itoa(t.tid) + "/fd/" + strconv.Itoa(int(fd)))
			if err != nil {
				return unix.EBADF
			}
			g, ok := tr.table.HostToGuest(link)
			if !ok {
				return unix.ENOENT
			}
			filename = g
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
	argv, err := readArgv(t.tid, t.regs.arg(argvArg))
	if err != nil {
		return err
	}
	res := &pathmap.Resolver{Table: tr.table, Proc: t, Root: t.fs.root}
	plan, err := binfmt.Prepare(res, dir, filename, argv)
	if err != nil {
		return err
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
func readArgv(tid int, addr uint64) ([]string, error) {
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
		if err := readMem(tid, addr, unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), n*8)); err != nil {
			return nil, unix.EFAULT
		}
		for _, p := range words {
			if p == 0 {
				return out, nil
			}
			s, err := readStringMax(tid, p, buf, argStrMax)
			if err != nil {
				return nil, unix.EFAULT
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

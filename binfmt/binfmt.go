// Package binfmt decides what a guest execve really runs: it follows shebang lines in guest
// space and reads the ELF program headers (PT_INTERP, PT_LOAD) of the program, the way the
// kernel's binfmt_script and binfmt_elf do, but over guest paths.
package binfmt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/groot-sandbox/groot/pathmap"
	"golang.org/x/sys/unix"
)

// Segment is one PT_LOAD program header.
type Segment struct {
	Vaddr, Memsz, Filesz, Offset, Align uint64
	Prot                                int // PROT_READ|PROT_WRITE|PROT_EXEC from p_flags
}

// ELF is what loading needs from an ELF file's headers.
type ELF struct {
	Dynamic   bool   // ET_DYN (PIE or shared object) rather than ET_EXEC
	Entry     uint64 // e_entry
	Phoff     uint64 // e_phoff
	Phentsize uint64
	Phnum     uint64
	// PhdrVaddr is the virtual address of the program headers once loaded (PT_PHDR, or
	// derived from the PT_LOAD that covers e_phoff), before adding the load bias.
	PhdrVaddr uint64
	Loads     []Segment
	Interp    string // PT_INTERP as written in the file (a guest path), "" for static programs
}

// Plan is what the kernel must be asked to run for one guest execve.
type Plan struct {
	// Argv is the argv the program gets: the caller's, or for scripts the kernel's
	// rewrite [interpreter, optional-arg, script-filename, argv[1:]...] (nested).
	Argv []string
	// Changed is true when Argv differs from the caller's argv.
	Changed bool
	// Guest and Host name the ELF program that finally runs (after shebangs).
	Guest, Host string
	Program     *ELF
	// InterpGuest and InterpHost name its ELF interpreter; empty for static programs.
	InterpGuest, InterpHost string
	Interp                  *ELF
	// Comm is what the kernel would set /proc/PID/comm to: the basename of the filename
	// the caller passed (for scripts too), truncated to 15 bytes.
	Comm string
}

// Limits of fs/binfmt_script.c and fs/exec.c.
const (
	binprmBufSize = 256 // BINPRM_BUF_SIZE: how much of the file the kernel looks at
	// maxInterpDepth is how many interpreters may stand between execve and the final
	// program: search_binary_handler refuses a depth above 5 (fs/exec.c:
	// "if (depth > 5) return -ELOOP"), counting the binary itself.
	maxInterpDepth = 5
	taskCommLen    = 16 // TASK_COMM_LEN, including the NUL
)

func errnoOf(err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return unix.ENOENT
}

// Prepare plans execve(filename, argv) for a guest whose cwd is the guest directory cwd.
// Errors are unix.Errno values as native execve would return them (ENOENT, EACCES,
// ENOEXEC, ELOOP, ENOTDIR, ENAMETOOLONG, E2BIG).
func Prepare(r *pathmap.Resolver, cwd, filename string, argv []string) (*Plan, error) {
	if filename == "" {
		return nil, unix.ENOENT
	}
	return prepare(r, cwd, filename, nil, argv)
}

// PrepareResolved is Prepare for a filename the caller has resolved already (first).
func PrepareResolved(r *pathmap.Resolver, cwd, filename string, first pathmap.Result, argv []string) (*Plan, error) {
	return prepare(r, cwd, filename, &first, argv)
}

// PrepareFile plans an execve of a file the guest's tree may not hold (fexecve of a
// memfd, of a deleted file): host is a path the tracer can open it by (/proc/PID/fd/N),
// name what the guest knows it as (its /proc/PID/exe, and the name shebang interpreters
// are given).
func PrepareFile(r *pathmap.Resolver, cwd, name, host string, argv []string) (*Plan, error) {
	return prepare(r, cwd, name, &pathmap.Result{Host: host, Guest: name, Exists: true}, argv)
}

// prepare is Prepare, with the first file already resolved when first is not nil.
func prepare(r *pathmap.Resolver, cwd, filename string, first *pathmap.Result, argv []string) (*Plan, error) {
	comm := path.Base(filename)
	if len(comm) > taskCommLen-1 {
		comm = comm[:taskCommLen-1]
	}
	plan := &Plan{Argv: argv, Comm: comm}
	name := filename
	for depth := 0; ; depth++ {
		if depth >= maxInterpDepth {
			return nil, unix.ELOOP
		}
		var res pathmap.Result
		if first != nil {
			res, first = *first, nil
		} else {
			var err error
			if res, err = r.Resolve(cwd, name, true); err != nil {
				return nil, errnoOf(err)
			}
		}
		if !res.Exists {
			return nil, unix.ENOENT
		}
		key, err := checkExec(res.Host)
		if err != nil {
			return nil, err
		}
		prog := cachedELF(key)
		if prog == nil {
			fd, err := openFile(res.Host)
			if err != nil {
				return nil, err
			}
			var head [binprmBufSize]byte
			n, _ := unix.Pread(fd, head[:], 0)
			if n >= 2 && head[0] == '#' && head[1] == '!' {
				unix.Close(fd)
				interp, arg, err := parseShebang(head[:n])
				if err != nil {
					return nil, err
				}
				// binfmt_script: argv[0] is replaced by the interpreter, its optional
				// argument, then the filename as passed to execve.
				next := []string{interp}
				if arg != "" {
					next = append(next, arg)
				}
				next = append(next, name)
				if len(plan.Argv) > 1 {
					next = append(next, plan.Argv[1:]...)
				}
				plan.Argv = next
				plan.Changed = true
				name = interp
				continue
			}
			prog, err = readELF(fd)
			unix.Close(fd)
			if err != nil {
				return nil, err
			}
		}
		plan.Guest, plan.Host, plan.Program = res.Guest, res.Host, prog
		if prog.Interp != "" {
			ires, err := r.Resolve(cwd, prog.Interp, true)
			if err != nil {
				return nil, errnoOf(err)
			}
			if !ires.Exists {
				return nil, unix.ENOENT
			}
			interp, err := ReadELF(ires.Host)
			if err != nil {
				// The kernel reports a bad interpreter as ELIBBAD.
				if err == unix.ENOEXEC {
					return nil, unix.ELIBBAD
				}
				return nil, err
			}
			plan.InterpGuest, plan.InterpHost, plan.Interp = ires.Guest, ires.Host, interp
		}
		return plan, nil
	}
}

// checkExec makes the checks execve makes of a file before it reads it: a regular file
// (EACCES otherwise), execute permission (EACCES), not on a noexec mount (EACCES); and
// read permission, which the tracer needs to load it (EACCES: the kernel runs an
// execute-only program, groot cannot). It returns the file's identity for the ELF cache.
func checkExec(host string) (elfKey, error) {
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		return elfKey{}, errnoOf(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return elfKey{}, unix.EACCES
	}
	if err := unix.Access(host, unix.R_OK|unix.X_OK); err != nil {
		return elfKey{}, errnoOf(err)
	}
	var sfs unix.Statfs_t
	if unix.Statfs(host, &sfs) == nil && sfs.Flags&unix.ST_NOEXEC != 0 {
		return elfKey{}, unix.EACCES
	}
	return keyOf(&st), nil
}

// openFile opens a file to read its headers. A raw descriptor, not an *os.File: that
// would cost an fcntl per open (os.NewFile asks whether it is non-blocking), at every exec.
func openFile(host string) (int, error) {
	fd, err := unix.Open(host, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, errnoOf(err)
	}
	return fd, nil
}

// fdReader reads an open file at offsets (pread), for parseELF.
type fdReader int

func (fd fdReader) ReadAt(b []byte, off int64) (int, error) {
	n, err := unix.Pread(int(fd), b, off)
	if err != nil {
		return 0, err
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// parseShebang parses "#!interpreter [optional-arg]" like fs/binfmt_script.c (Linux >=
// 5.1): the line ends at a newline within the first BINPRM_BUF_SIZE bytes; a line cut
// off by that limit is accepted only if the interpreter name itself ended in the buffer.
// Everything after the interpreter, trimmed of blanks, is one argument.
func parseShebang(head []byte) (interp, arg string, err error) {
	line := head[2:]
	nl := bytes.IndexByte(line, '\n')
	if nl >= 0 {
		line = line[:nl]
	}
	if i := bytes.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	s := strings.TrimLeft(string(line), " \t")
	end := strings.IndexAny(s, " \t")
	if end < 0 {
		if nl < 0 && len(head) == binprmBufSize {
			return "", "", unix.ENOEXEC // the interpreter name was cut off
		}
		end = len(s)
	}
	interp = s[:end]
	if interp == "" {
		return "", "", unix.ENOEXEC
	}
	return interp, strings.Trim(s[end:], " \t"), nil
}

// ReadELF reads the headers of the ELF file at a host path; ENOEXEC when it is not an ELF
// file for this architecture.
func ReadELF(host string) (*ELF, error) {
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err == nil {
		if e := cachedELF(keyOf(&st)); e != nil {
			return e, nil
		}
	}
	fd, err := openFile(host)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	return readELF(fd)
}

// elfKey identifies one version of a file: a guest runs the same few programs again and
// again (a shell loop, make), and their headers are parsed once per run. A file found in
// the cache by the key of its path's stat is not opened at all (its checks are made by
// path: checkExec).
type elfKey struct {
	dev, ino uint64
	size     int64
	mtime    unix.Timespec
}

func keyOf(st *unix.Stat_t) elfKey {
	return elfKey{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim}
}

var (
	elfCacheMu sync.Mutex
	elfCache   = map[elfKey]*ELF{}
)

func cachedELF(k elfKey) *ELF {
	elfCacheMu.Lock()
	defer elfCacheMu.Unlock()
	return elfCache[k]
}

// readELF reads the headers of the open file fd, and keeps them for the same file (same
// inode, size and mtime) when it is an ELF program.
func readELF(fd int) (*ELF, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return parseELF(fdReader(fd))
	}
	key := keyOf(&st)
	if e := cachedELF(key); e != nil {
		return e, nil
	}
	e, err := parseELF(fdReader(fd))
	if err != nil {
		return nil, err
	}
	elfCacheMu.Lock()
	elfCache[key] = e
	elfCacheMu.Unlock()
	return e, nil
}

// parseELF reads the ELF header and program headers with the checks of the kernel's
// load_elf_binary and load_elf_phdrs (fs/binfmt_elf.c), which ignore section headers: a
// program whose section headers are damaged or stripped still runs. Both architectures
// groot runs on are little-endian, and the kernel reads the header in its own order.
func parseELF(r io.ReaderAt) (*ELF, error) {
	var h [elf64Ehdr]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, unix.ENOEXEC
	}
	le := binary.LittleEndian
	typ := le.Uint16(h[ehType:])
	if string(h[:len(elfMag)]) != elfMag || h[eiClass] != elfClass64 ||
		(typ != etExec && typ != etDyn) || le.Uint16(h[ehMachine:]) != nativeMachine {
		return nil, unix.ENOEXEC
	}
	phnum := int(le.Uint16(h[ehPhnum:]))
	if le.Uint16(h[ehPhentsize:]) != elf64Phdr || phnum == 0 || phnum*elf64Phdr > phdrsMax {
		return nil, unix.ENOEXEC
	}
	e := &ELF{Dynamic: typ == etDyn, Entry: le.Uint64(h[ehEntry:]), Phoff: le.Uint64(h[ehPhoff:]),
		Phentsize: elf64Phdr, Phnum: uint64(phnum)}
	phdrs := make([]byte, phnum*elf64Phdr)
	// An offset past 2^63 turns negative: pread says EINVAL, the kernel's read fails too.
	if _, err := r.ReadAt(phdrs, int64(e.Phoff)); err != nil {
		return nil, unix.ENOEXEC
	}
	phdrSet, interpSeen := false, false
	for i := 0; i < phnum; i++ {
		p := phdrs[i*elf64Phdr : (i+1)*elf64Phdr]
		switch le.Uint32(p[phType:]) {
		case ptPhdr:
			e.PhdrVaddr, phdrSet = le.Uint64(p[phVaddr:]), true
		case ptInterp:
			if interpSeen {
				break // the kernel takes the first PT_INTERP and ignores the others
			}
			interpSeen = true
			// The kernel's bounds: at least one byte and a NUL, at most PATH_MAX, NUL-ended.
			size, off := le.Uint64(p[phFilesz:]), le.Uint64(p[phOffset:])
			if size < 2 || size > unix.PathMax {
				return nil, unix.ENOEXEC
			}
			b := make([]byte, size)
			if _, err := r.ReadAt(b, int64(off)); err != nil {
				return nil, unix.EIO // elf_read: a short read is EIO, and execve says so
			}
			if b[size-1] != 0 {
				return nil, unix.ENOEXEC
			}
			e.Interp = string(b[:bytes.IndexByte(b, 0)])
		case ptLoad:
			flags := le.Uint32(p[phFlags:])
			prot := 0
			if flags&pfR != 0 {
				prot |= unix.PROT_READ
			}
			if flags&pfW != 0 {
				prot |= unix.PROT_WRITE
			}
			if flags&pfX != 0 {
				prot |= unix.PROT_EXEC
			}
			e.Loads = append(e.Loads, Segment{Vaddr: le.Uint64(p[phVaddr:]), Memsz: le.Uint64(p[phMemsz:]),
				Filesz: le.Uint64(p[phFilesz:]), Offset: le.Uint64(p[phOffset:]), Align: le.Uint64(p[phAlign:]), Prot: prot})
		}
	}
	if !phdrSet {
		for _, s := range e.Loads {
			if e.Phoff >= s.Offset && e.Phoff < s.Offset+s.Filesz {
				e.PhdrVaddr = s.Vaddr + (e.Phoff - s.Offset)
				break
			}
		}
	}
	if len(e.Loads) == 0 {
		return nil, unix.ENOEXEC
	}
	return e, nil
}

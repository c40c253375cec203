// Package binfmt decides what a guest execve really runs: it follows shebang lines in guest
// space and reads the ELF program headers (PT_INTERP, PT_LOAD) of the program, the way the
// kernel's binfmt_script and binfmt_elf do, but over guest paths.
package binfmt

import (
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
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
		f, err := openExec(res.Host)
		if err != nil {
			return nil, err
		}
		var head [binprmBufSize]byte
		n, _ := io.ReadFull(f, head[:])
		if n >= 2 && head[0] == '#' && head[1] == '!' {
			f.Close()
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
		prog, err := readELF(f)
		f.Close()
		if err != nil {
			return nil, err
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

// openExec opens a file to execute with the checks execve makes first: a regular file
// (EACCES otherwise), execute permission (EACCES), not on a noexec mount (EACCES).
func openExec(host string) (*os.File, error) {
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		return nil, errnoOf(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, unix.EACCES
	}
	if err := unix.Access(host, unix.X_OK); err != nil {
		return nil, errnoOf(err)
	}
	var sfs unix.Statfs_t
	if unix.Statfs(host, &sfs) == nil && sfs.Flags&unix.ST_NOEXEC != 0 {
		return nil, unix.EACCES
	}
	return openFile(host)
}

// openFile opens host read-only. os.Open would also register the file with the Go
// runtime's poller (fcntl, epoll_ctl refused for a regular file, fcntl again): five
// syscalls the tracer pays twice per exec. A blocking fd given to os.NewFile is left
// out of the poller.
func openFile(host string) (*os.File, error) {
	fd, err := unix.Open(host, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, errnoOf(err)
	}
	return os.NewFile(uintptr(fd), host), nil
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
	f, err := openFile(host)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readELF(f)
}

// elfKey identifies one version of a file: a guest runs the same few programs again and
// again (a shell loop, make), and their headers are parsed once per run.
type elfKey struct {
	dev, ino uint64
	size     int64
	mtime    unix.Timespec
}

var (
	elfCacheMu sync.Mutex
	elfCache   = map[elfKey]*ELF{}
)

// readELF reads the headers of the open file f, from the cache when the same file (same
// inode, size and mtime) was read before.
func readELF(f *os.File) (*ELF, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return parseELF(f)
	}
	key := elfKey{dev: st.Dev, ino: st.Ino, size: st.Size, mtime: st.Mtim}
	elfCacheMu.Lock()
	e, ok := elfCache[key]
	elfCacheMu.Unlock()
	if ok {
		return e, nil
	}
	e, err := parseELF(f)
	if err != nil {
		return nil, err
	}
	elfCacheMu.Lock()
	elfCache[key] = e
	elfCacheMu.Unlock()
	return e, nil
}

func parseELF(r io.ReaderAt) (*ELF, error) {
	ef, err := elf.NewFile(r)
	if err != nil {
		return nil, unix.ENOEXEC
	}
	defer ef.Close()
	if ef.Class != elf.ELFCLASS64 || ef.Machine != nativeMachine || (ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN) {
		return nil, unix.ENOEXEC
	}
	e := &ELF{Dynamic: ef.Type == elf.ET_DYN, Entry: ef.Entry, Phentsize: 56, Phnum: uint64(len(ef.Progs))}
	// debug/elf does not expose e_phoff; it is at offset 32 of an ELF64 header.
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 32); err != nil {
		return nil, unix.ENOEXEC
	}
	e.Phoff = ef.ByteOrder.Uint64(hdr[:])
	phdrSet := false
	for _, p := range ef.Progs {
		switch p.Type {
		case elf.PT_PHDR:
			e.PhdrVaddr, phdrSet = p.Vaddr, true
		case elf.PT_INTERP:
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				return nil, unix.ENOEXEC
			}
			e.Interp = string(bytes.TrimRight(b, "\x00"))
		case elf.PT_LOAD:
			prot := 0
			if p.Flags&elf.PF_R != 0 {
				prot |= unix.PROT_READ
			}
			if p.Flags&elf.PF_W != 0 {
				prot |= unix.PROT_WRITE
			}
			if p.Flags&elf.PF_X != 0 {
				prot |= unix.PROT_EXEC
			}
			e.Loads = append(e.Loads, Segment{Vaddr: p.Vaddr, Memsz: p.Memsz, Filesz: p.Filesz, Offset: p.Off, Align: p.Align, Prot: prot})
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

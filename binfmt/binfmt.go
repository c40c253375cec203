// Package binfmt decides what a guest execve really runs: it follows shebang lines in guest
// space and reads the ELF program headers (PT_INTERP, PT_LOAD) of the program, the way the
// kernel's binfmt_script and binfmt_elf do, but over guest paths.
package binfmt

import (
	"errors"

	"github.com/groot-sandbox/groot/pathmap"
)

var errTODO = errors.New("binfmt: not implemented yet")

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

// Prepare plans execve(filename, argv) for a guest whose cwd is the guest directory cwd.
// Errors are unix.Errno values as native execve would return them (ENOENT, EACCES,
// ENOEXEC, ELOOP, ENOTDIR, ENAMETOOLONG, E2BIG).
func Prepare(r *pathmap.Resolver, cwd, filename string, argv []string) (*Plan, error) {
	return nil, errTODO
}

// ReadELF reads the headers of the ELF file at a host path; ENOEXEC when it is not an ELF
// file for this architecture.
func ReadELF(host string) (*ELF, error) { return nil, errTODO }

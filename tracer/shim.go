package tracer

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/groot-sandbox/groot/internal/execerr"
	"github.com/groot-sandbox/groot/internal/memexec"
	"golang.org/x/sys/unix"
)

// The first guest process is a shim that stops itself, so that the tracer can
// PTRACE_SEIZE it, installs the seccomp filter and execve()s the guest command — an execve
// the tracer translates like any other. SysProcAttr.Ptrace would give PTRACE_TRACEME,
// whose group-stops cannot be PTRACE_LISTEN'ed, and job control needs that (ptrace(2),
// "Group-stop").
//
// The shim is a few hundred bytes of assembly (tracer/shim, bytes in zshim_*.go),
// executed from a memfd: a second Go process would cost a Go runtime's start (about 2 ms
// of a `groot true` here). The tracer writes the filter into its memory while it is
// stopped. Where the kernel refuses to execute a memfd (vm.memfd_noexec=2, Linux 6.3), or
// with _GROOT_GO_SHIM=1 (for the tests of this path), groot itself is re-executed as the
// shim instead (ShimMain), and builds the filter from _GROOT_FILTER.

// shimEnv marks groot re-executed as the shim.
const shimEnv = "_GROOT_SHIM"

// goShimEnv asks for the re-executed groot as the shim, where the assembled one would do.
const goShimEnv = "_GROOT_GO_SHIM"

func init() {
	if IsShim() {
		// Keep main on the main thread: the execve must come from the task the tracer
		// seized (a non-leader exec would work, but only the seized task is traced).
		runtime.LockOSThread()
	}
}

// IsShim reports whether this process is groot re-executed as the tracee shim. The command
// line calls it first thing in main and then calls ShimMain.
func IsShim() bool { return os.Getenv(shimEnv) != "" }

// ShimMain is the Go shim's whole life: it never returns. Its arguments are the guest path
// to execute, then the guest argv.
func ShimMain() {
	args := os.Args[1:]
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "groot: internal error: shim started without a command")
		os.Exit(1)
	}
	env := make([]string, 0, len(os.Environ()))
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, shimEnv+"=") {
			env = append(env, kv)
		}
	}
	if err := unix.Kill(os.Getpid(), unix.SIGSTOP); err != nil {
		fmt.Fprintf(os.Stderr, "groot: shim: stop for the tracer: %v\n", err)
		os.Exit(1)
	}
	if err := installFilter(); err != nil {
		fmt.Fprintf(os.Stderr, "groot: %v\n", err)
		os.Exit(1)
	}
	err := execerr.Exec(args[0], args[1:], env)
	fmt.Fprintf(os.Stderr, "groot: %s: %s\n", args[0], execerr.Strerror(err))
	os.Exit(execerr.Status(err))
}

// installFilter installs the seccomp filter (see seccomp.go); without it every syscall
// stops.
var installFilter = func() error { return nil }

// forkShim starts the shim with args (its own name, the guest path, the guest argv) in
// hostCwd; it stops itself before it does anything else. spec is for the Go shim, which
// builds the filter itself.
func (tr *tracer) forkShim(args []string, hostCwd string, spec filterSpec) (int, error) {
	// syscall.ForkExec, not os.StartProcess: the latter first checks, once per process,
	// that pidfds work by forking a child of its own (Go 1.23+, os/pidfd_linux.go).
	attr := &syscall.ProcAttr{
		Dir:   hostCwd,
		Env:   tr.cfg.Env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	if len(shimELF) > 0 && os.Getenv(goShimEnv) == "" {
		if fd, err := memexec.Memfd("groot-shim", shimELF); err == nil {
			// The child execs the memfd through its own descriptor table, where fd is
			// still open until the exec succeeds (MFD_CLOEXEC): the guest inherits nothing.
			pid, err := syscall.ForkExec("/proc/self/fd/"+strconv.Itoa(fd), args, attr)
			unix.Close(fd)
			if err == nil {
				tr.asmShim = true
				return pid, nil
			}
			tr.logf(1, "the assembled shim: %v (groot itself stands in)", err)
		} else {
			tr.logf(1, "the assembled shim: %v (groot itself stands in)", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("find groot's own binary: %w", err)
	}
	attr.Env = append(append([]string{}, tr.cfg.Env...), shimEnv+"=1")
	if tr.seccomp {
		attr.Env = append(attr.Env, filterEnv+"="+spec.String())
	}
	pid, err := syscall.ForkExec(self, args, attr)
	if err != nil {
		return 0, fmt.Errorf("start the guest: %w", err)
	}
	return pid, nil
}

// giveShimFilter writes the seccomp filter into the stopped assembled shim: the
// instructions at shimFilterAddr, then their count at shimFprogAddr (struct sock_fprog's
// len; its filter pointer is already there), which tells the shim to install it.
func giveShimFilter(pid int, prog bpf) error {
	if len(prog) > 4096 { // BPF_MAXINSNS, the size of the shim's buffer
		return fmt.Errorf("seccomp filter too long (%d instructions)", len(prog))
	}
	code := make([]byte, 0, 8*len(prog))
	for _, ins := range prog {
		code = binary.NativeEndian.AppendUint16(code, ins.Code)
		code = append(code, ins.Jt, ins.Jf)
		code = binary.NativeEndian.AppendUint32(code, ins.K)
	}
	if err := writeMem(pid, shimFilterAddr, code); err != nil {
		return fmt.Errorf("write the seccomp filter into the shim: %w", err)
	}
	count := binary.NativeEndian.AppendUint64(nil, uint64(len(prog)))
	if err := writeMem(pid, shimFprogAddr, count); err != nil {
		return fmt.Errorf("write the seccomp filter into the shim: %w", err)
	}
	return nil
}

// shimFailure reports why the assembled shim ended without executing the guest command,
// from its exit status (shim_amd64.S): errno of the failed execve, or 128+errno of a
// failed prctl or seccomp. It returns groot's exit status: a shell's 126 or 127 for a
// command it could not execute.
func (tr *tracer) shimFailure(code int) int {
	if code >= 128 {
		fmt.Fprintf(os.Stderr, "groot: install the seccomp filter: %s\n", execerr.Strerror(unix.Errno(code-128)))
		return 1
	}
	err := unix.Errno(code)
	fmt.Fprintf(os.Stderr, "groot: %s: %s\n", tr.cfg.Command[0], execerr.Strerror(err))
	return execerr.Status(err)
}

package tracer

import (
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/groot-sandbox/groot/internal/execerr"
	"golang.org/x/sys/unix"
)

// shimEnv marks groot re-executed as the first guest process. The shim stops itself so
// that the tracer can PTRACE_SEIZE it, then execve()s the guest command — an execve the
// tracer translates like any other. SysProcAttr.Ptrace would give PTRACE_TRACEME, whose
// group-stops cannot be PTRACE_LISTEN'ed, and job control needs that (ptrace(2),
// "Group-stop").
const shimEnv = "_GROOT_SHIM"

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

// ShimMain is the shim's whole life: it never returns. Its arguments are the guest path
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

package tracer

import (
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/binfmt"
	"github.com/groot-sandbox/groot/colocate"
	"github.com/groot-sandbox/groot/creds"
	"github.com/groot-sandbox/groot/ownership"
	"github.com/groot-sandbox/groot/pathmap"
	"golang.org/x/sys/unix"
)

// process is what the threads of one thread group share.
type process struct {
	tgid int
	// parent is the process it was forked from (nil when unknown), for the choice of a
	// tracer thread (pickThread).
	parent *process
	// execed: the process executed a program since its fork (a fork that has not is
	// still setting up its child's file descriptors, and its load is unknown).
	execed bool
	// exe is the guest path of the program the process runs, for /proc/PID/exe: the
	// kernel's own answer names the host file (or, for a dynamic program, the guest's
	// ELF interpreter that groot executed in its place).
	exe string
	// exeHost is the host path of that program, for opening /proc/PID/exe.
	exeHost string
	// notDumpable is what the guest set with prctl(PR_SET_DUMPABLE, 0): the tracer keeps
	// the process dumpable, since the kernel refuses a tracer without CAP_SYS_PTRACE
	// access to a non-dumpable tracee's memory, even through PTRACE_PEEKDATA
	// (kernel/ptrace.c: ptrace_access_vm, __ptrace_may_access). execve resets it.
	notDumpable bool
	// pidfd refers to the process, for pidfd_getfd (see localFD): 0 until first needed,
	// -1 when it could not be had. Closed when the leader is reaped.
	pidfd int
}

// forked is the state of a child process tgid that p forked: a copy, but for the
// handles that name p itself.
func (p *process) forked(tgid int) *process {
	c := *p
	c.tgid = tgid
	c.parent = p
	c.execed = false
	c.pidfd = 0
	return &c
}

// fsState is what CLONE_FS shares between tasks: the working and root directories.
type fsState struct {
	cwd string // guest path
	// cwdHost is the host path of the kernel's cwd when cwd was set ("" unknown): a
	// getcwd that finds the kernel's cwd elsewhere (an ancestor renamed, the directory
	// removed) goes by the kernel's.
	cwdHost string
	// root is the guest directory a fake-root guest chroot()ed into; "" for the guest's
	// own root. Paths are resolved under it, and what the tracer answers about cwd and
	// exe is given relative to it.
	root string
}

// exitAction says what a syscall-exit stop must do.
type exitAction uint8

const (
	exitNone        exitAction = iota
	exitRestore                // restore the argument registers the tracer changed
	exitChdir                  // on success the guest cwd becomes newCwd
	exitFchdir                 // on success the guest cwd follows the kernel's
	exitExecve                 // a failed exec: restore the registers
	exitBindRename             // bind through a short alias: rename the socket to its real path
	exitSockName               // translate an AF_UNIX name written by the kernel
	exitRecvmsg                // translate msg_name of a recvmsg
	exitUname                  // rewrite the utsname the kernel filled
	exitGetAffinity            // give the guest its view of the CPUs (affinityFor)
	exitSetAffinity            // on success affinityFor's placement is the guest's
	exitRenameCwd              // on success the cwds under the renamed path move with it
	exitUnshareFS              // on success the task's fs state is its own (unshare CLONE_FS)
)

// tracee is one traced task (a thread or a process's main thread).
type tracee struct {
	tr   *tracer
	tid  int
	proc *process
	fs   *fsState

	inSyscall bool // between a syscall-entry stop and its exit stop (no seccomp)
	regs      regs // registers at the current stop
	orig      regs // registers at syscall entry, before the tracer changed them
	modified  bool // argument registers were changed at entry
	exit      exitAction
	skipErrno unix.Errno // the syscall was skipped with this error (0: not skipped, or success)
	skipRet   int64      // the result a skipped syscall returns when skipErrno is 0
	skipped   bool

	scratch uint64          // next free byte below the stack's red zone, growing down
	placed  []pendingString // placed in scratch memory at this entry, written at its end

	pendingExec *binfmt.Plan // set at execve entry, consumed at the exec event / exit
	// execFD is the tracer's duplicate of the fd an fexecve of a file outside the guest's
	// tree executes (0: none): the exec closes the guest's own when it is close-on-exec,
	// and the program is still to be loaded from it then (closeExecFD).
	execFD int
	// loading is the self-finishing block an exec left the task to run (loader.go).
	loading *loadingBlock
	// The guest's execve filename and the host path the tracer gave the kernel instead,
	// for AT_EXECFN.
	execFilename, execTarget string
	newCwd, newCwdHost       string    // chdir target's guest and host paths
	renameFrom, renameTo     string    // a rename's guest paths, when a cwd lies under one
	renameHosts              [2]string // ... and its host paths
	renameExchange           bool      // ... and it is RENAME_EXCHANGE
	aliasFrom                string    // bind through an alias: the alias host path
	aliasTo                  string    // ... and the real host path
	sockAddr                 uint64    // exitSockName: address and length pointers
	sockLen                  uint64

	attached   bool // linked to its parent (fork/clone event) or adopted from /proc
	linked     bool // its parent's fork/clone event was seen (or it is the first guest process)
	firstStop  bool // the initial PTRACE_EVENT_STOP has not been seen yet
	groupStop  bool // in a group-stop (PTRACE_LISTEN'ed)
	pathBuf    []byte
	resolveBuf []byte

	// The path arguments of the current syscall as the kernel gets them (host paths, or
	// the guest's own relative string), for fake root's own file operations.
	argHost   [2]string
	argSet    [2]bool // false: a NULL pointer
	argFollow [2]bool
	// argDir and argName name argHost relative to a directory of the tracer's DirCache
	// (argDir 0: none; reset at every entry): the tracer's own stat of it looks up one
	// component.
	argDir  [2]int
	argName [2]string
	// argLstat is what the resolution found the file to be (pathmap.Result.Lstat), when
	// argHasLstat.
	argLstat    unix.Stat_t
	argHasLstat bool
	// dirsBusy: the task is in a call that can change what the DirCache's descriptors
	// stand for (dirsChanged); the cache is off until its exit stop.
	dirsBusy   bool
	lastPath   string // resolveArgBase's last string read, and whether it read one
	lastPathOK bool
	lastFollow bool

	creds  *creds.Set // fake root: the task's emulated identities (nil without -0/-i)
	fakeSt fakeState

	// Calls whose argument registers were left as the tracer set them (unrestored.go).
	unrestored     [unrestoredCalls]unrestoredCall
	nextUnrestored int

	// loans are the inodes fake root's permission bypass lent bits to for the current
	// syscall (dacoverride.go), returned at its exit.
	loans []ownership.Key

	place       *colocate.Task // the task's placement (nil when the tracer places none)
	owner       *tracerThread  // the tracer thread that traces it (threads.go)
	handover    *handover      // between two tracer threads (threads.go)
	affinityFor *tracee        // sched_{get,set}affinity's target task, for the exit stop
}

// Readlink answers pathmap's questions about /proc magic links as this tracee would see
// them (pathmap.Proc).
func (t *tracee) Readlink(host string) (target string, magic, handled bool) {
	rest, ok := strings.CutPrefix(host, "/proc/")
	if !ok {
		return "", false, false
	}
	switch rest {
	case "self":
		// The kernel's /proc/self is a relative link to the reader's tgid.
		return strconv.Itoa(t.proc.tgid), false, true
	case "thread-self":
		return strconv.Itoa(t.proc.tgid) + "/task/" + strconv.Itoa(t.tid), false, true
	}
	pidStr, sub, ok := strings.Cut(rest, "/")
	if !ok {
		return "", false, false
	}
	pid, err := strconv.Atoi(pidStr)
	if err != nil {
		return "", false, false
	}
	if tidStr, after, ok := strings.Cut(sub, "/"); ok && strings.HasPrefix(sub, "task/") {
		// /proc/PID/task/TID/...
		tidStr, after, _ = strings.Cut(after, "/")
		if tid, err := strconv.Atoi(tidStr); err == nil && after != "" {
			pid, sub = tid, after
		}
	}
	owner := t.tr.tasks[pid]
	switch {
	case sub == "exe":
		if owner != nil && owner.proc.exe != "" {
			return pathmap.Inner(t.fs.root, owner.proc.exe), false, true
		}
	case sub == "cwd":
		if owner != nil {
			return pathmap.Inner(t.fs.root, owner.fs.cwd), false, true
		}
	case sub == "root":
		if owner != nil {
			return "/", false, true
		}
	case strings.HasPrefix(sub, "fd/") || strings.HasPrefix(sub, "map_files/"):
		link, err := readlinkHost(host)
		if err != nil {
			return "", false, false
		}
		if strings.HasPrefix(link, "/") {
			if g, ok := t.tr.table.HostToGuest(link); ok {
				return g, false, true
			}
		}
		// pipe:[N], socket:[N], anon_inode:..., or a file outside every binding: the
		// kernel follows the magic link itself.
		return "", true, true
	}
	return "", false, false
}

func readlinkHost(path string) (string, error) {
	buf := make([]byte, pathMax)
	n, err := unix.Readlink(path, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// closeExecFD closes the tracer's duplicate of an fexecve'd fd, once the exec it was for
// is over (loaded, failed) or the task is gone.
func (t *tracee) closeExecFD() {
	if t.execFD > 0 {
		unix.Close(t.execFD)
		t.execFD = 0
	}
}

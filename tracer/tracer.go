// Package tracer is groot's ptrace engine: it runs the guest with every path-bearing
// system call stopped, translated from guest to host paths, and its results translated
// back.
//
// All ptrace requests come from one OS thread, locked for the tracer's whole life: the
// kernel accepts requests only from the task that is the tracer (ptrace(2); golang/go#28315).
//
// How a guest program is executed. The kernel's binfmt_elf opens a program's PT_INTERP
// (e.g. /lib64/ld-linux-x86-64.so.2) by its path on the HOST, so execve of a guest's
// dynamic program cannot simply be pointed at the program's host path. PRoot solves this
// with a small static loader that it writes to a temporary file. groot does without an
// extra binary: at execve it asks the kernel to execute the guest's ELF interpreter
// itself (through a symlink named like the program, so that /proc/PID/comm is the
// program's name), with the guest's argv untouched. At the syscall-exit stop of that
// execve, before the interpreter runs its first instruction, the tracer maps the program's
// PT_LOAD segments into the new address space with injected mmap calls, and rewrites the
// auxiliary vector (AT_PHDR, AT_PHNUM, AT_PHENT, AT_ENTRY, AT_BASE) to say what the kernel
// would have said had it loaded the program with that interpreter. Both glibc's and musl's
// ld.so then start exactly as after a native execve (they only run "as a command" when
// AT_ENTRY/AT_PHDR describe themselves), argv and /proc/PID/cmdline are native, and only
// /proc/PID/exe needs the tracer's help, which it gives from the guest path it recorded.
// Static programs are executed directly. Shebang chains are expanded in guest space by
// package binfmt, with the argv the kernel would have built.
package tracer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/groot-sandbox/groot/bindings"
	"github.com/groot-sandbox/groot/colocate"
	"github.com/groot-sandbox/groot/config"
	"github.com/groot-sandbox/groot/creds"
	"github.com/groot-sandbox/groot/internal/sigforward"
	"github.com/groot-sandbox/groot/ownership"
	"github.com/groot-sandbox/groot/pathmap"
	"golang.org/x/sys/unix"
)

// tracer is the state of one run.
type tracer struct {
	cfg     *config.Config
	table   *bindings.Table
	verbose int
	seccomp bool
	// openCookie marks the tracer's own injected openat for the seccomp filter
	// (filterSpec.cookie); 0 without seccomp.
	openCookie uint64
	tasks      map[int]*tracee // by tid
	root       int             // pid of the first guest process
	rootDone   bool
	// asmShim: the first guest process started as the assembled shim (shim.go).
	asmShim   bool
	status    int                  // the first guest process's exit status
	links     map[[2]string]string // commLink's symlinks by target and name
	linkNames map[string]bool      // the names in scratch/exe itself
	nlinks    int
	aliases   map[string]string // short AF_UNIX alias host path -> guest path
	naliases  int
	// uts is what uname reports beyond the kernel's answer (uts.go).
	uts utsState
	// boundNames holds the last component of every binding's guest path (glue included).
	boundNames map[string]struct{}
	// fake is fake root's state (-0, -i); nil without them.
	fake *fakeRoot
	// stats counts stops for GROOT_STATS=1; nil otherwise.
	stats *stopStats
	// goneUnlinked are tasks reaped before their parent's fork/clone event was seen.
	goneUnlinked map[int]struct{}
	// loans are fake root's permission bypass's lent modes, by inode (dacoverride.go).
	loans map[ownership.Key]*loan
	// place keeps the guest on the tracer's CPU while that is cheaper (package
	// colocate); nil when it does not (GROOT_COLOCATE=0, one CPU).
	place *colocate.Placer
	// dirs caches rootfs directories for path resolution (pathmap.DirCache); nil with
	// GROOT_NO_DIRCACHE=1.
	dirs *pathmap.DirCache
	// dirsBusy counts the tasks in a call that can change what the cache's descriptors
	// stand for: while there is one, path resolution does without the cache.
	dirsBusy int

	// mu guards all of the above once there are several tracer threads (threads.go);
	// cur is the thread that holds it.
	mu         sync.Mutex
	cur        *tracerThread
	threads    []*tracerThread
	maxThreads int
	multi      atomic.Bool // several threads: each waits for its own tracees only
	finished   bool        // no guest task left: the threads are ending
	wg         sync.WaitGroup
}

// Run runs cfg.Command under the tracer and returns the guest's exit status
// (128+N when the first guest process was killed by signal N).
func Run(cfg *config.Config) (int, error) {
	cfg.Table = withMountedProc(cfg.Table)
	tr := &tracer{
		cfg:       cfg,
		table:     cfg.Table,
		verbose:   cfg.Verbose,
		tasks:     make(map[int]*tracee),
		links:     make(map[[2]string]string),
		linkNames: make(map[string]bool),
		loans:     make(map[ownership.Key]*loan),

		goneUnlinked: make(map[int]struct{}),
		aliases:      make(map[string]string),
	}
	if cfg.ChangeID {
		uid, gid := uint32(cfg.UID), uint32(cfg.GID)
		initial := creds.New(uid, gid)
		if uid == 0 {
			// root's supplementary group list, as login or `chroot --userspec=0:0`
			// set it from /etc/group; -i UID:GID stands for an unknown user: none.
			initial.Groups = []uint32{gid}
		}
		tr.fake = &fakeRoot{
			table:   ownership.New(uint32(os.Getuid()), uint32(os.Getgid()), uid, gid),
			db:      cfg.FakeDB,
			initial: initial,
			realUID: uint32(os.Getuid()),
			realGID: uint32(os.Getgid()),
		}
		if cfg.FakeDB != "" {
			if err := tr.fake.table.Load(cfg.FakeDB); err != nil {
				return 0, err
			}
		}
	}
	if os.Getenv("GROOT_NO_SECCOMP") == "" {
		if err := HaveSeccompTrace(); err == nil {
			tr.seccomp = true
			var b [8]byte
			if n, err := unix.Getrandom(b[:], 0); err == nil && n == len(b) {
				tr.openCookie = binary.NativeEndian.Uint64(b[:])
			}
		} else {
			tr.logf(1, "seccomp filtering unavailable, tracing every syscall: %v", err)
		}
	}
	// Made now, and used as tr.cfg.Scratch from here on: the first exec of a dynamic
	// program needs it anyway (commLink).
	scratch, err := cfg.MakeScratch()
	if err != nil {
		return 0, err
	}
	if err := cfg.Table.AddGlue(filepath.Join(scratch, "glue")); err != nil {
		return 0, fmt.Errorf("bindings: %w", err)
	}
	defer makeMountPoints(cfg.Table).remove()
	if os.Getenv("GROOT_NO_DIRCACHE") == "" {
		tr.dirs = pathmap.NewDirCache()
	}
	tr.uts = newUTSState(cfg)
	tr.stats = newStopStats()
	tr.boundNames = make(map[string]struct{})
	for _, b := range cfg.Table.All() {
		tr.boundNames[filepath.Base(b.Guest)] = struct{}{}
	}
	res := pathmap.Resolver{Table: cfg.Table}
	cwd, err := res.Resolve("/", cfg.Cwd, true)
	if err != nil || !cwd.Exists {
		// PRoot warns and starts in the guest's root instead.
		fmt.Fprintf(os.Stderr, "groot: warning: can't chdir to %s in the guest, using /\n", cfg.Cwd)
		if cwd, err = res.Resolve("/", "/", true); err != nil {
			return 0, fmt.Errorf("rootfs %s: %w", cfg.Table.Rootfs(), err)
		}
	}

	// Terminal signals reach the guest directly (it shares groot's process group); groot
	// must survive them to report the guest's status. Those a process sends to groot, and
	// a hangup's SIGHUP, are passed on to the guest, as in the namespace engine (see
	// internal/sigforward); job-control stops are
	// swallowed. Handlers, unlike SIG_IGN, are reset by execve, so the guest starts with
	// default dispositions.
	if err := sigforward.Forward(sigforward.Passed...); err != nil {
		return 0, err
	}
	if err := sigforward.Swallow(unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU); err != nil {
		return 0, err
	}

	// The tracer runs on threads of their own, never groot's main thread: orphaned guest
	// processes are reparented to the main thread (kernel/exit.c find_new_reaper:
	// find_alive_thread returns the group leader), and a tracer thread that were their
	// real parent would also be reported their stops (threads.go), stops that belong to
	// the thread that traces them. This goroutine keeps the main thread to itself when
	// it is on it, as it usually is (runtime.main runs main.main there); where it is not
	// (it was descheduled and moved: seen on the slow emulated arm64 machine), a tracer
	// thread that finds itself on the main thread keeps it idle instead (offMainThread).
	runtime.LockOSThread()
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go offMainThread(func() {
		status, err := tr.trace(cwd.Host, cwd.Guest)
		done <- result{status, err}
	})
	r := <-done
	return r.status, r.err
}

// trace starts the guest and traces it until no guest task is left.
func (tr *tracer) trace(hostCwd, guestCwd string) (int, error) {
	if os.Getenv("GROOT_COLOCATE") != "0" {
		// Before the shim is forked from this thread: it inherits the pin.
		tr.place = colocate.Start()
		defer tr.place.Stop()
	}
	// groot's other threads stop preempting the guest and the tracer; this one, and the
	// guest forked from it, keep groot's own policy.
	colocate.Background()
	if err := quietTraceeStops(); err != nil {
		tr.logf(1, "SIGCHLD with SA_NOCLDSTOP: %v (a signal per tracee stop then)", err)
	}
	// Orphaned guest processes are reparented to groot, so it can wait for them.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	first := &tracerThread{}
	if tr.place != nil {
		first.cpu = tr.place.Home()
	}
	tr.threads = []*tracerThread{first}
	tr.maxThreads = tr.maxTracerThreads()
	tr.lock(first)
	pid, err := tr.startShim(hostCwd, guestCwd)
	tr.unlock()
	if err != nil {
		return 0, err
	}
	tr.root = pid
	sigforward.Target(pid)
	err = tr.loop(first)
	tr.wg.Wait()
	sigforward.Target(0) // the guest is gone: its pid may be another process's soon
	tr.stats.report()
	for k, l := range tr.loans {
		// Tasks that went without being reaped (groot is ending): give the modes back.
		_ = unix.Chmod(fdPath(l.fd), l.orig)
		unix.Close(l.fd)
		delete(tr.loans, k)
	}
	if err == nil && tr.fake != nil && tr.fake.db != "" {
		err = tr.fake.table.Save(tr.fake.db)
	}
	tr.lock(first)
	defer tr.unlock()
	return tr.status, err
}

const ptraceOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACEFORK | unix.PTRACE_O_TRACEVFORK |
	unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_EXITKILL | unix.PTRACE_O_TRACESECCOMP

func (tr *tracer) startShim(hostCwd, guestCwd string) (int, error) {
	argv0 := tr.cfg.Argv0
	if argv0 == "" {
		argv0 = tr.cfg.Command[0]
	}
	args := append([]string{"groot-shim", tr.cfg.Command[0], argv0}, tr.cfg.Command[1:]...)
	spec := filterSpec{uname: tr.cfg.Kernel != nil || tr.cfg.Hostname != "" || tr.fake != nil, fake: tr.fake != nil,
		affinity: tr.place != nil, cookie: tr.openCookie}
	pid, err := tr.forkShim(args, hostCwd, spec)
	if err != nil {
		return 0, err
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WUNTRACED, nil); err != nil {
		return 0, fmt.Errorf("wait for the guest to start: %w", err)
	}
	if !ws.Stopped() {
		return 0, fmt.Errorf("guest shim ended before tracing started (status %#x)", uint32(ws))
	}
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SEIZE, uintptr(pid), 0, ptraceOptions, 0, 0); e != 0 {
		_ = unix.Kill(pid, unix.SIGKILL)
		return 0, fmt.Errorf("ptrace(PTRACE_SEIZE, %d): %w", pid, e)
	}
	if tr.asmShim && tr.seccomp {
		if err := giveShimFilter(pid, buildFilter(tracedSyscalls(spec), !spec.fake, spec.cookie)); err != nil {
			_ = unix.Kill(pid, unix.SIGKILL)
			return 0, err
		}
	}
	t := tr.newTracee(pid, &process{tgid: pid}, &fsState{cwd: guestCwd, cwdHost: hostCwd})
	t.place = tr.place.Add(pid, nil)
	if tr.fake != nil {
		t.creds = tr.fake.initial.Clone()
	}
	t.attached, t.linked = true, true
	t.firstStop = false
	if err := unix.Kill(pid, unix.SIGCONT); err != nil {
		return 0, fmt.Errorf("resume the guest: %w", err)
	}
	return pid, nil
}

func (tr *tracer) newTracee(tid int, p *process, fs *fsState) *tracee {
	t := &tracee{tr: tr, tid: tid, proc: p, fs: fs, firstStop: true, pathBuf: make([]byte, 0, pathMax), owner: tr.cur}
	tr.tasks[tid] = t
	return t
}

func (tr *tracer) logf(level int, format string, args ...any) {
	if tr.verbose >= level {
		fmt.Fprintf(os.Stderr, "groot: "+format+"\n", args...)
	}
}

// invariant reports a broken tracer invariant loudly, with the tracee and its registers.
func (tr *tracer) invariant(t *tracee, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "groot: internal error: pid %d: %s\n  registers: %s\n", t.tid, fmt.Sprintf(format, args...), t.regs.String())
}

func fmtRegs(pc, sp, nr, ret, a0, a1, a2 uint64) string {
	return fmt.Sprintf("pc=%#x sp=%#x nr=%d ret=%#x args=%#x,%#x,%#x", pc, sp, int64(nr), ret, a0, a1, a2)
}

// guestStatus converts a wait status to a shell-style exit status.
func guestStatus(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

func isGone(err error) bool { return errors.Is(err, unix.ESRCH) }

func hasPrefixDir(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

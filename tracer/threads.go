package tracer

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/groot-sandbox/groot/colocate"
	"golang.org/x/sys/unix"
)

// Several tracer threads, one per CPU.
//
// Why: a stop is cheap only when the stopped task and its tracer share a CPU (package
// colocate), and one tracer thread has one CPU. A parallel build (make -j) on a single
// tracer runs serialized on that CPU, or pays a cross-CPU round trip at every stop of the
// tasks moved away. With a tracer thread on each CPU, each tracing the tasks on its own
// CPU, both halves hold: stops stay local and the guest's processes run in parallel.
//
// The kernel ties a tracee to the one thread that attached it (ptrace(2): "the tracer is
// a thread"), and a fork's child is attached to its parent's tracer. A process changes
// thread only at its execve (PTRACE_EVENT_EXEC, handOver): then it has a fresh address
// space of its own (no vfork parent shares it) and a single thread (de_thread), and the
// new image has no signal handlers yet. The old tracer writes a branch-to-itself at the
// task's pc and detaches it: the task spins in user space, making no system call (one
// would fail with ENOSYS under the SECCOMP_RET_TRACE filter with no tracer, kernel/
// seccomp.c). The new tracer thread PTRACE_SEIZEs it, PTRACE_INTERRUPTs it, and at that
// stop puts the instruction back (finishHandover).
//
// A thread blocked in wait4 can be woken only by its own children and tracees, so each
// tracer thread, once there are several, has a doorbell: a traced child of its own that
// sleeps in pause(); SIGUSR1 to it is a signal-delivery-stop that wakes the thread to read
// its inbox (handed-over tasks to seize, and stops that another thread's wait took).
//
// The threads wait with __WNOTHREAD so that each sees only its own tracees (without it,
// any thread's wait reports every thread's: kernel/exit.c do_wait_thread). A thread would
// still be reported the stops of its own real children traced by another thread
// (wait_consider_task treats a child traced by its real parent's group as the caller's
// tracee): orphans are reparented to groot's main thread, so no tracer thread is the main
// thread (tracer.Run), and a stop taken by the wrong thread anyway is forwarded to the
// owner's inbox. The tracer's state is shared and guarded by tr.mu, held while a thread
// handles a stop.

// tracerThread is one OS thread that traces guest tasks, pinned to a CPU.
type tracerThread struct {
	idx int
	cpu int
	// bell is the pid of the thread's doorbell process; 0 before it starts and after it
	// ended.
	bell    int
	ringing bool        // SIGUSR1 sent, its stop not yet seen
	dead    bool        // no doorbell: nothing can be handed to it
	inbox   []inboxItem // guarded by tr.mu
}

// inboxItem is work for a tracer thread: a task handed over to it (seize), or a stop of
// one of its tasks that another thread's wait4 took.
type inboxItem struct {
	t     *tracee
	seize bool
	ws    unix.WaitStatus
}

// handover is a task between two tracer threads: the instruction word its pc spins on
// replaced.
type handover struct {
	pc   uint64
	orig [8]byte
}

const doorbellEnv = "_GROOT_DOORBELL"

// IsDoorbell reports whether this process is groot re-executed as a tracer thread's
// doorbell. The command line calls it first thing in main and then calls DoorbellMain.
func IsDoorbell() bool { return os.Getenv(doorbellEnv) != "" }

// DoorbellMain sleeps until killed: every signal's delivery stop is the ring.
func DoorbellMain() {
	for {
		_ = unix.Pause()
	}
}

// maxTracerThreads is how many tracer threads the run may have: one per allowed CPU
// (at most 8) when the tasks are placed and filtered by seccomp; GROOT_TRACERS=N caps it
// (1: a single thread, as before threads were added).
func (tr *tracer) maxTracerThreads() int {
	if tr.place == nil || !tr.seccomp {
		return 1
	}
	n := min(len(tr.place.CPUs()), 8)
	if v, err := strconv.Atoi(os.Getenv("GROOT_TRACERS")); err == nil && v >= 1 {
		n = min(n, v)
	}
	return n
}

// lock takes tr.mu for th. A waiting thread spins for a while first: the lock is held for
// one stop's handling (about 10 us), and a thread put to sleep on a futex is woken by an
// inter-processor interrupt, which costs several stops in a VM.
func (tr *tracer) lock(th *tracerThread) {
	if !tr.mu.TryLock() {
		deadline := time.Now().Add(200 * time.Microsecond)
		for i := 0; !tr.mu.TryLock(); i++ {
			if i&63 == 63 && time.Now().After(deadline) {
				tr.mu.Lock()
				break
			}
		}
	}
	tr.cur = th
}

func (tr *tracer) unlock() {
	tr.cur = nil
	tr.mu.Unlock()
}

// pickThread chooses the tracer thread for a process that just executed a new program:
// the one with the fewest busy processes, not counting the process's own ancestors
// (they wait for it, or are make handing out jobs), processes with children (a shell or
// a compiler driver waiting for its child), forks that have not executed a program yet
// (a shell's child still setting up its pipe), nor the process's partners in a pipe (tar |
// wc: the two take turns, and a pipe's wake-up costs less on one CPU than across two:
// measured, 64 ms on one thread against 83 ms split). Ties stay where they are. A
// thread not started yet counts as one with none. nil: stay.
func (tr *tracer) pickThread(t *tracee) *tracerThread {
	ancestors := make(map[*process]bool)
	for p := t.proc.parent; p != nil && len(ancestors) < 64; p = p.parent {
		ancestors[p] = true
	}
	parents := make(map[*process]bool)
	for _, o := range tr.tasks {
		if o.proc != nil && o.proc.parent != nil {
			parents[o.proc.parent] = true
		}
	}
	load := make([]int, len(tr.threads))
	var home []*tracee // what keeps t where it is
	for _, o := range tr.tasks {
		if o.proc == nil || o.proc == t.proc || o.tid != o.proc.tgid || o.owner == nil ||
			!o.proc.execed || ancestors[o.proc] || parents[o.proc] {
			continue
		}
		load[o.owner.idx]++
		if o.owner == t.owner {
			home = append(home, o)
		}
	}
	least := func() *tracerThread {
		best := t.owner
		for i, th := range tr.threads {
			if load[i] < load[best.idx] && !th.dead {
				best = th
			}
		}
		return best
	}
	best := least()
	if best == t.owner && (load[best.idx] == 0 || len(tr.threads) >= tr.maxThreads) {
		tr.logf(3, "pid %d: stays on tracer thread %d (busy processes per thread: %v)", t.tid, t.owner.idx, load)
		return nil
	}
	in, out := pipeEnds(t.tid)
	for _, o := range home {
		if oin, oout := pipeEnds(o.tid); (in != 0 && in == oout) || (out != 0 && out == oin) {
			load[t.owner.idx]--
		}
	}
	if best = least(); load[best.idx] > 0 && len(tr.threads) < tr.maxThreads {
		cpus := tr.place.CPUs()
		th := &tracerThread{idx: len(tr.threads), cpu: cpus[len(tr.threads)%len(cpus)]}
		if err := tr.startThread(th); err != nil {
			tr.logf(1, "another tracer thread: %v (one is enough)", err)
			tr.maxThreads = len(tr.threads)
			return nil
		}
		return th
	}
	if best == t.owner {
		return nil
	}
	return best
}

// pipeEnds names the pipes (by inode; 0: not a pipe) on a process's standard input and
// output.
func pipeEnds(pid int) (in, out uint64) {
	end := func(fd string) uint64 {
		var st unix.Stat_t
		if err := unix.Stat("/proc/"+strconv.Itoa(pid)+"/fd/"+fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
			return 0
		}
		return st.Ino
	}
	return end("0"), end("1")
}

// handOver moves t, stopped at its exec event with the exec done, to the tracer thread
// pickThread chooses. It reports false when t stays (the caller resumes it).
func (tr *tracer) handOver(t *tracee) bool {
	if tr.maxThreads < 2 || tr.finished || t.tid == tr.root || t.inSyscall || t.handover != nil ||
		t.proc.tgid != t.tid || t.place == nil || tr.place.Released(t.place) || t.owner != tr.cur {
		return false
	}
	to := tr.pickThread(t)
	if to == nil {
		return false
	}
	var r regs
	if err := getRegs(t.tid, &r); err != nil {
		return false
	}
	h := &handover{pc: r.pc()}
	// process_vm_readv asks what PTRACE_SEIZE will ask (ptrace_may_access with
	// PTRACE_MODE_ATTACH_REALCREDS): a program the kernel made non-dumpable at its exec
	// (execute-only, say) stays with the tracer that was attached before.
	local := []unix.Iovec{{Base: &h.orig[0], Len: uint64(len(h.orig))}}
	remote := []unix.RemoteIovec{{Base: uintptr(h.pc), Len: len(h.orig)}}
	if n, err := unix.ProcessVMReadv(t.tid, local, remote, 0); err != nil || n != len(h.orig) {
		return false
	}
	// A pidfd tells the new thread whether the tid still names this process: it could
	// end and be reaped by its guest parent while it spins, and the tid be reused.
	if t.proc.pidfd == 0 {
		if fd, err := unix.PidfdOpen(t.tid, 0); err == nil {
			t.proc.pidfd = fd
		} else {
			t.proc.pidfd = -1
		}
	}
	spin := h.orig
	copy(spin[:], spinInsn)
	if _, err := unix.PtracePokeText(t.tid, uintptr(h.pc), spin[:]); err != nil {
		return false
	}
	// On the new CPU before it runs: it spins there, not on this thread's.
	_ = tr.place.Rehome(t.place, to.cpu)
	if err := ptrace(unix.PTRACE_DETACH, t.tid, 0, 0); err != nil {
		_, _ = unix.PtracePokeText(t.tid, uintptr(h.pc), h.orig[:])
		return false
	}
	tr.logf(3, "pid %d: handed over to tracer thread %d (cpu %d)", t.tid, to.idx, to.cpu)
	t.handover = h
	t.owner = to
	to.inbox = append(to.inbox, inboxItem{t: t, seize: true})
	to.ring()
	return true
}

// finishHandover runs at a handed-over task's first stop under its new tracer: the
// instruction it spun on is put back.
func (tr *tracer) finishHandover(t *tracee) {
	h := t.handover
	t.handover = nil
	var r regs
	if err := getRegs(t.tid, &r); err != nil {
		return
	}
	if r.pc() != h.pc {
		t.regs = r
		tr.invariant(t, "handed over at pc %#x, found at %#x", h.pc, r.pc())
	}
	if _, err := unix.PtracePokeText(t.tid, uintptr(h.pc), h.orig[:]); err != nil && !isGone(err) {
		t.regs = r
		tr.invariant(t, "put back the instruction at %#x: %v", h.pc, err)
		_ = unix.Kill(t.tid, unix.SIGKILL)
	}
}

// ring wakes the thread to read its inbox.
func (th *tracerThread) ring() {
	if th.bell > 0 && !th.ringing {
		th.ringing = true
		// To the traced thread itself: a process-directed signal may go to one of the
		// doorbell's other (Go runtime) threads, untraced, and the ring would be lost.
		_ = unix.Tgkill(th.bell, th.bell, unix.SIGUSR1)
	}
}

// offMainThread runs f on the calling goroutine locked to its OS thread, or, when that
// is groot's main thread, which no tracer may be (Run), on a new goroutine locked to
// another: the calling goroutine keeps the main thread, idle, until f returns, so the new
// one cannot be scheduled there. f's thread is never unlocked: it ends with the goroutine
// (and a doorbell with it: Pdeathsig names the thread that forked it).
func offMainThread(f func()) {
	runtime.LockOSThread()
	if unix.Gettid() != os.Getpid() {
		f()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		f()
	}()
	<-done
	runtime.UnlockOSThread() // the main thread must not end
}

// startThread starts th's OS thread and, when it is the second, this thread's doorbell
// too. The caller holds tr.mu; th reads its inbox once the caller lets go of it.
func (tr *tracer) startThread(th *tracerThread) error {
	if !tr.multi.Load() {
		if err := tr.cur.startBell(); err != nil {
			return err
		}
		// From the next wait on, this thread too sees only its own tracees.
		tr.multi.Store(true)
	}
	ready := make(chan error, 1)
	tr.wg.Add(1)
	go offMainThread(func() {
		defer tr.wg.Done()
		if err := colocate.Foreground(); err != nil {
			ready <- fmt.Errorf("sched_setattr (tracer thread): %w", err)
			return
		}
		if err := colocate.Pin(th.cpu); err != nil {
			ready <- fmt.Errorf("pin to cpu %d: %w", th.cpu, err)
			return
		}
		if err := th.startBell(); err != nil {
			ready <- err
			return
		}
		ready <- nil
		tr.lock(th)
		tr.drain(th)
		tr.unlock()
		if err := tr.loop(th); err != nil {
			fmt.Fprintf(os.Stderr, "groot: tracer thread %d: %v\n", th.idx, err)
		}
	})
	if err := <-ready; err != nil {
		return err
	}
	tr.threads = append(tr.threads, th)
	return nil
}

// startBell starts the calling thread's doorbell: groot re-executed to sleep, in a process
// group of its own (the terminal's signals are not for it), traced by this thread.
func (th *tracerThread) startBell() error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find groot's own binary: %w", err)
	}
	pid, err := syscall.ForkExec(self, []string{"groot-doorbell"}, &syscall.ProcAttr{
		Env: []string{doorbellEnv + "=1"},
		Sys: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true},
	})
	if err != nil {
		return fmt.Errorf("start a doorbell: %w", err)
	}
	if err := ptrace(unix.PTRACE_SEIZE, pid, 0, unix.PTRACE_O_EXITKILL); err != nil {
		_ = unix.Kill(pid, unix.SIGKILL)
		return fmt.Errorf("ptrace(PTRACE_SEIZE, %d) (doorbell): %w", pid, err)
	}
	th.bell = pid
	return nil
}

// bellStop handles a stop or the end of th's doorbell.
func (tr *tracer) bellStop(th *tracerThread, ws unix.WaitStatus) {
	if ws.Exited() || ws.Signaled() {
		th.bell, th.ringing = 0, false
		if tr.finished {
			return
		}
		// Killed by the guest (it is a process the guest can see): the thread needs
		// another, or its inbox would never be read again.
		if err := th.startBell(); err != nil {
			fmt.Fprintf(os.Stderr, "groot: internal error: tracer thread %d lost its doorbell (status %#x): %v\n", th.idx, uint32(ws), err)
			th.dead = true
		}
		tr.drain(th)
		return
	}
	if !ws.Stopped() {
		return
	}
	sig := 0
	if s := ws.StopSignal(); s != unix.SIGUSR1 && !isStopSignal(s) && int(ws>>16)&0xff == 0 {
		sig = int(s) // the Go runtime's own (SIGURG); a stop would keep it from ringing
	}
	th.ringing = false
	tr.drain(th)
	_ = ptrace(unix.PTRACE_CONT, th.bell, 0, uintptr(sig))
}

// drain handles th's inbox.
func (tr *tracer) drain(th *tracerThread) {
	for len(th.inbox) > 0 {
		it := th.inbox[0]
		th.inbox = th.inbox[1:]
		t := it.t
		if tr.tasks[t.tid] != t {
			continue // reaped meanwhile
		}
		if !it.seize {
			tr.stopped(t, it.ws)
			continue
		}
		if t.proc.pidfd > 0 {
			if err := unix.PidfdSendSignal(t.proc.pidfd, 0, nil, 0); err == unix.ESRCH {
				tr.forget(t) // reaped: the tid may be another process's now
				continue
			}
		}
		if err := ptrace(unix.PTRACE_SEIZE, t.tid, 0, ptraceOptions); err != nil {
			// ESRCH: reaped; EPERM for a zombie (kernel/ptrace.c ptrace_attach): killed
			// while it spun, by a signal from the terminal, say.
			if !isGone(err) && !isZombie(t.tid) {
				// It would spin untraced for ever.
				tr.invariant(t, "PTRACE_SEIZE of a handed-over task: %v", err)
				_ = unix.Kill(t.tid, unix.SIGKILL)
				tr.maxThreads = 1
			}
			tr.forget(t)
			continue
		}
		if err := ptrace(unix.PTRACE_INTERRUPT, t.tid, 0, 0); err != nil && !isGone(err) {
			tr.invariant(t, "PTRACE_INTERRUPT of a handed-over task: %v", err)
		}
	}
}

// forget drops a task that ended while no thread traced it: its real parent reaps it.
func (tr *tracer) forget(t *tracee) {
	tr.drop(t)
	tr.maybeFinish()
}

// maybeFinish ends the run's threads once the first guest process and every traced task
// are gone: their doorbells are killed, and each thread's wait then finds no child left.
func (tr *tracer) maybeFinish() {
	if !tr.multi.Load() || tr.finished || !tr.rootDone || len(tr.tasks) != 0 {
		return
	}
	tr.finished = true
	for _, th := range tr.threads {
		if th.bell > 0 {
			_ = unix.Kill(th.bell, unix.SIGKILL)
		}
	}
}

// isZombie reports whether the task has ended and waits to be reaped (/proc/TID/stat
// state Z), or is gone.
func isZombie(tid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses and may hold any byte.
	i := strings.LastIndexByte(string(data), ')')
	return i < 0 || i+2 >= len(data) || data[i+2] == 'Z' || data[i+2] == 'X'
}

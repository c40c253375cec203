package tracer

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// loop waits for every stop of th's tracees and handles it, until no guest process is
// left to th (threads.go).
func (tr *tracer) loop(th *tracerThread) error {
	for {
		var ws unix.WaitStatus
		flags := unix.WALL
		if tr.multi.Load() {
			flags |= unix.WNOTHREAD
		}
		pid, err := unix.Wait4(-1, &ws, flags, nil)
		if err == unix.EINTR {
			continue
		}
		if err == unix.ECHILD {
			return nil
		}
		if err != nil {
			return err
		}
		tr.lock(th)
		tr.waited(th, pid, ws)
		tr.unlock()
	}
}

// waited handles what th's wait4 reported of pid.
func (tr *tracer) waited(th *tracerThread, pid int, ws unix.WaitStatus) {
	if pid == th.bell {
		tr.bellStop(th, ws)
		return
	}
	t := tr.tasks[pid]
	if ws.Exited() || ws.Signaled() {
		tr.reaped(pid, ws)
		return
	}
	if !ws.Stopped() {
		return
	}
	if t != nil && t.owner != nil && t.owner != th {
		// Another thread's tracee, reported to this thread as its real parent: only its
		// tracer can act on the stop. Not expected (the tracer threads' own children are
		// the first guest process and their doorbells, and orphans go to the main thread,
		// which traces nothing), but a stop taken here must not be lost.
		t.owner.inbox = append(t.owner.inbox, inboxItem{t: t, ws: ws})
		t.owner.ring()
		return
	}
	if t == nil {
		// A new task reported its first stop before its parent's fork/clone event
		// (which may never come: the parent can be killed first).
		t = tr.adopt(pid)
	}
	tr.stopped(t, ws)
}

func (tr *tracer) reaped(pid int, ws unix.WaitStatus) {
	defer tr.maybeFinish()
	tr.logf(3, "pid %d: ended (status %#x)", pid, uint32(ws))
	t := tr.tasks[pid]
	if t == nil || !t.linked {
		// Gone before its parent's fork event was seen: the event, when it comes, must
		// not bring it back (its tid may name another task by then).
		tr.goneUnlinked[pid] = struct{}{}
	}
	shimFailed := pid == tr.root && tr.asmShim && t != nil && !t.proc.execed && ws.Exited()
	if t != nil {
		tr.drop(t)
	}
	if pid != tr.root {
		return
	}
	tr.status = guestStatus(ws)
	if shimFailed {
		tr.status = tr.shimFailure(ws.ExitStatus())
	}
	tr.rootDone = true
	if tr.cfg.KillOnExit {
		for tid := range tr.tasks {
			tr.logf(3, "pid %d: killed (--kill-on-exit)", tid)
			_ = unix.Kill(tid, unix.SIGKILL)
		}
	}
}

// drop forgets a task that ended: its placement, the modes lent to it (it may have been
// killed in the middle of a syscall) and, for a process's leader, the process's pidfd.
func (tr *tracer) drop(t *tracee) {
	if t.proc != nil && t.proc.tgid == t.tid && t.proc.pidfd > 0 {
		unix.Close(t.proc.pidfd)
		t.proc.pidfd = -1
	}
	tr.place.Remove(t.place)
	tr.returnLoans(t)
	tr.dirsDone(t)
	t.closeExecFD()
	delete(tr.tasks, t.tid)
}

func isStopSignal(sig unix.Signal) bool {
	return sig == unix.SIGSTOP || sig == unix.SIGTSTP || sig == unix.SIGTTIN || sig == unix.SIGTTOU
}

func (tr *tracer) stopped(t *tracee, ws unix.WaitStatus) {
	tr.stats.count(t, ws)
	t.place.Stopped()
	sig := ws.StopSignal()
	event := int(ws>>16) & 0xff
	if t.handover != nil {
		tr.finishHandover(t)
		if event == unix.PTRACE_EVENT_STOP && !isStopSignal(sig) {
			tr.resume(t, 0) // the stop of its new tracer's PTRACE_INTERRUPT
			return
		}
	}
	switch {
	case sig == unix.SIGTRAP|0x80:
		tr.syscallStop(t)
	case event == unix.PTRACE_EVENT_STOP:
		tr.eventStop(t, sig)
	case sig == unix.SIGTRAP && event != 0:
		switch event {
		case unix.PTRACE_EVENT_FORK, unix.PTRACE_EVENT_VFORK, unix.PTRACE_EVENT_CLONE:
			tr.cloned(t)
			tr.resume(t, 0)
		case unix.PTRACE_EVENT_EXEC:
			t = tr.execed(t)
			if !tr.handOver(t) {
				tr.resume(t, 0)
			}
		case unix.PTRACE_EVENT_SECCOMP:
			tr.seccompStop(t)
		default:
			tr.resume(t, 0)
		}
	default:
		tr.signalStop(t, sig)
	}
}

// eventStop handles PTRACE_EVENT_STOP: a new task's first stop, a group-stop, or the
// end of a group-stop (ptrace(2), "Group-stop" under PTRACE_SEIZE).
func (tr *tracer) eventStop(t *tracee, sig unix.Signal) {
	if t.firstStop {
		t.firstStop = false
		tr.resume(t, 0)
		return
	}
	if !isStopSignal(sig) {
		t.groupStop = false
		tr.resume(t, 0)
		return
	}
	if t.tid == tr.root && t.proc.exe == "" {
		// The shim's own SIGSTOP, which let the tracer seize it.
		tr.resume(t, 0)
		return
	}
	// A real group-stop: leave the task stopped but let SIGCONT wake it (PTRACE_LISTEN),
	// so `fg`/`kill -CONT` work as on native Linux.
	t.groupStop = true
	if err := ptrace(unix.PTRACE_LISTEN, t.tid, 0, 0); err != nil && !isGone(err) {
		tr.invariant(t, "PTRACE_LISTEN: %v", err)
	}
	if t.tid == tr.root {
		// The guest's job was stopped (ctrl-Z): stop groot too, so the shell that started
		// groot sees its job stopped; its SIGCONT reaches the guest through the process group.
		_ = unix.Kill(os.Getpid(), unix.SIGSTOP)
	}
}

// signalStop is a signal-delivery stop: the guest gets its signal.
func (tr *tracer) signalStop(t *tracee, sig unix.Signal) {
	if sig == unix.SIGTRAP && t.loading != nil && tr.loadFailed(t) {
		return
	}
	tr.fixRestart(t)
	tr.resume(t, int(sig))
}

func (tr *tracer) resume(t *tracee, sig int) {
	req := unix.PTRACE_SYSCALL
	if tr.seccomp && !t.inSyscall {
		req = unix.PTRACE_CONT
	}
	if err := ptrace(req, t.tid, 0, uintptr(sig)); err != nil && !isGone(err) {
		tr.invariant(t, "resume: %v", err)
	}
}

func ptrace(req int, pid int, addr, data uintptr) error {
	if _, _, e := unix.Syscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0); e != 0 {
		return e
	}
	return nil
}

// adopt sets up a task seen before its parent's fork/clone event, from what /proc says
// of it: a thread shares its process's state, a process starts with a copy of its
// parent's. cloned corrects the sharing when the parent's event arrives.
func (tr *tracer) adopt(tid int) *tracee {
	tgid, ppid := procIDs(tid)
	t := tr.newTracee(tid, nil, nil)
	src := tr.tasks[tgid]
	if tgid != tid && src != nil && src.proc != nil {
		t.proc, t.fs = src.proc, src.fs
	} else {
		src = tr.tasks[ppid]
		if src == nil || src.proc == nil {
			src = tr.tasks[tr.root]
		}
		p, fs := process{tgid: tid}, fsState{cwd: "/"}
		if src != nil && src.proc != nil {
			p = *src.proc.forked(tid)
			fs = *src.fs
		}
		t.proc, t.fs = &p, &fs
	}
	if src != nil && src.creds != nil {
		t.creds = src.creds.Clone()
	}
	if src != nil {
		t.place = tr.place.Add(tid, src.place)
	} else {
		t.place = tr.place.Add(tid, nil)
	}
	t.attached = true
	if tr.rootDone && tr.cfg.KillOnExit {
		_ = unix.Kill(tid, unix.SIGKILL)
	}
	return t
}

// procIDs reads a task's thread group and parent from /proc/TID/status.
func procIDs(tid int) (tgid, ppid int) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return tid, 0
	}
	tgid = tid
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			tgid, _ = strconv.Atoi(strings.TrimSpace(v))
		} else if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			ppid, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return tgid, ppid
}

// cloned links a new task to its parent: what it shares follows the clone flags.
func (tr *tracer) cloned(parent *tracee) {
	msg, err := unix.PtraceGetEventMsg(parent.tid)
	if err != nil {
		return
	}
	tid := int(msg)
	if _, gone := tr.goneUnlinked[tid]; gone {
		delete(tr.goneUnlinked, tid)
		return
	}
	// Every event may come from clone or clone3 with CLONE_FS: a vfork-style clone
	// (CLONE_VM|CLONE_VFORK) reports PTRACE_EVENT_VFORK, one with SIGCHLD and no
	// CLONE_VM PTRACE_EVENT_FORK (kernel/fork.c, kernel_clone).
	flags := tr.cloneFlags(parent)
	child := tr.tasks[tid]
	adopted := child != nil
	if !adopted {
		child = tr.newTracee(tid, nil, nil)
		child.place = tr.place.Add(tid, parent.place)
	} else {
		// Adopted at its first stop: it already runs, with a copy of its parent's state
		// taken then (the parent was stopped in the fork all along, so the copy is what
		// the fork copied), and it may have changed it since (chdir, execve: seen with
		// dpkg-deb's tar child under -S). Only sharing is corrected.
		child.firstStop = false
	}
	if flags&unix.CLONE_THREAD != 0 {
		child.proc = parent.proc
	} else if !adopted {
		child.proc = parent.proc.forked(tid)
	}
	if flags&unix.CLONE_FS != 0 {
		child.fs = parent.fs
	} else if !adopted {
		fs := *parent.fs
		child.fs = &fs
	}
	if parent.creds != nil && child.creds == nil {
		// Every task has its own credentials, copied at clone (kernel/cred.c
		// copy_creds); an adopted child got its copy already and may have changed it.
		child.creds = parent.creds.Clone()
	}
	child.attached = true
	child.linked = true
}

// cloneFlags reads the flags of the clone or clone3 the parent is stopped in (0 for fork
// and vfork, which share nothing cloned() follows).
func (tr *tracer) cloneFlags(parent *tracee) uint64 {
	var r regs
	if err := getRegs(parent.tid, &r); err != nil {
		return 0
	}
	switch r.sysno() {
	case unix.SYS_CLONE:
		return r.arg(0)
	case unix.SYS_CLONE3:
		// struct clone_args starts with the u64 flags (include/uapi/linux/sched.h).
		v, err := readUint64(parent.tid, r.arg(0))
		if err != nil {
			return 0
		}
		return v
	}
	return 0
}

// execed handles PTRACE_EVENT_EXEC. When a non-leader thread execs, the kernel gives it
// the leader's tid; PTRACE_GETEVENTMSG names the thread it was (ptrace(2), "execve(2)
// under ptrace").
func (tr *tracer) execed(t *tracee) *tracee {
	if msg, err := unix.PtraceGetEventMsg(t.tid); err == nil && int(msg) != t.tid {
		if former := tr.tasks[int(msg)]; former != nil {
			delete(tr.tasks, int(msg))
			// The exec'ing thread takes the leader's tid; the leader is gone.
			tr.returnLoans(t)
			tr.place.Remove(t.place)
			tr.place.Remove(former.place)
			former.place = tr.place.Add(t.tid, former.place)
			former.tid = t.tid
			former.firstStop = false
			former.attached = true
			tr.tasks[t.tid] = former
			t = former
		}
	}
	t.proc.execed = true
	t.loading = nil
	if plan := t.pendingExec; plan != nil {
		t.proc.exe = plan.Guest
		t.proc.exeHost = plan.Host
		t.proc.notDumpable = false
		if tr.fake != nil {
			tr.fakeExec(t, plan.Host)
		}
		var img execImage
		tr.patchAuxv(t, &img)
		// A new program image: nothing of the old registers is restored at the exit, and
		// no call of the old one can be restarted.
		t.pendingExec = nil
		t.unrestored = [unrestoredCalls]unrestoredCall{}
		tr.returnLoans(t) // the execve is over: under seccomp it has no exit stop
		t.modified, t.exit = false, exitNone
		switch {
		case plan.InterpHost != "":
			err := tr.loadProgram(t, plan, &img)
			if err == nil {
				err = img.flush(t)
			}
			if err != nil {
				tr.invariant(t, "load %s: %v", plan.Guest, err)
				_ = unix.Kill(t.tid, unix.SIGKILL)
			}
			// Its block resumed the event stop with PTRACE_CONT, or it runs once the
			// task resumes: the execve is over, with no exit stop to come.
			t.inSyscall = false
		default:
			_ = img.flush(t)
			if tr.seccomp {
				// Resumed with PTRACE_CONT from here, the execve has no exit stop.
				t.inSyscall = false
			}
		}
	}
	t.closeExecFD()
	return t
}

package tracer

// seccompStop handles PTRACE_EVENT_SECCOMP (filled in by the seccomp work).
func (tr *tracer) seccompStop(t *tracee) {
	tr.resume(t, 0)
}

// restartErrnos are the kernel-internal results of a syscall interrupted by a signal that
// the kernel will restart (include/linux/errno.h): ERESTARTSYS, ERESTARTNOINTR,
// ERESTARTNOHAND, ERESTART_RESTARTBLOCK.
func isRestart(ret int64) bool { return ret == -512 || ret == -513 || ret == -514 || ret == -516 }

// fixRestart runs at a signal-delivery stop. If the task was in a syscall whose path
// arguments the tracer changed and the syscall was interrupted to be restarted, the
// arguments must be the guest's again: the restart re-enters the syscall (and the tracer)
// with the registers as they are, and the scratch memory may be gone under a signal frame.
func (tr *tracer) fixRestart(t *tracee) {
	if !t.modified {
		return
	}
	var r regs
	if getRegs(t.tid, &r) != nil {
		return
	}
	if isRestart(r.ret()) {
		r.restoreArgs(&t.orig)
		_ = setRegs(t.tid, &r)
	}
	t.modified = false
	t.exit = exitNone
}

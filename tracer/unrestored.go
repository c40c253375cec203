package tracer

// Argument registers left as the tracer set them. With the seccomp filter, a syscall
// whose only business at its exit would be to give the guest its argument registers back
// gets no exit stop: the guest finds there the scratch pointers the tracer wrote. That is
// one stop instead of two for every rewritten openat, mkdirat, unlinkat, renameat...
// PRoot does the same (src/syscall/syscall.c: with seccomp and nothing to do at exit it
// restores only the stack pointer, which groot never moves). The syscall ABI promises
// that the argument registers survive, and C code compiled against inline syscalls may
// keep using one; glibc's and musl's path wrappers do not use the path after the call,
// Go's syscall assembly reloads everything, and the registers keep their values, only a
// pointer into the dead area below the stack does.
//
// What must not go wrong is a restart. A syscall interrupted by a signal and restarted
// by the kernel (ERESTARTSYS and friends) re-enters with the registers as they are: it
// would be translated a second time from the tracer's host path, itself perhaps
// overwritten by a signal frame. So the tracer remembers the last few such calls, and a
// syscall entry that is one of them again — same number, same pc, same stack pointer,
// and every argument the tracer changed still holding the tracer's value (on arm64 the
// kernel itself puts the guest's x0 back, from orig_x0) — is a restart:
// the guest's arguments are put back before it is translated afresh. A new call cannot
// look like that: the tracer's pointers lie below the stack pointer's red zone, where no
// guest object lives, and a restart keeps the stack pointer it had.

// unrestoredCalls is how many calls a task remembers: a restarted call may be followed,
// before its restart, by the calls of the signal handlers that interrupted it.
const unrestoredCalls = 4

type unrestoredCall struct {
	valid bool
	orig  regs // the guest's registers at entry
	set   regs // what the tracer gave the kernel
}

// leaveUnrestored remembers the current syscall, whose exit stop is skipped.
func (t *tracee) leaveUnrestored() {
	c := &t.unrestored[t.nextUnrestored]
	t.nextUnrestored = (t.nextUnrestored + 1) % unrestoredCalls
	c.valid, c.orig, c.set = true, t.orig, t.regs
	t.modified, t.exit = false, exitNone
}

// undoUnrestored recognizes a restart of a remembered call at a syscall entry and gives
// the registers their guest values again. It reports whether it changed t.regs (they
// must then be written even if the tracer changes nothing else).
func (t *tracee) undoUnrestored() bool {
	for i := range t.unrestored {
		c := &t.unrestored[i]
		if !c.valid || c.set.sysno() != t.regs.sysno() || c.set.pc() != t.regs.pc() || c.set.sp() != t.regs.sp() {
			continue
		}
		changed, same := false, true
		for a := 0; a < 6; a++ {
			if c.orig.arg(a) != c.set.arg(a) {
				changed = true
				held := t.regs.arg(a) == c.set.arg(a)
				if a == 0 && restartRestoresArg0 && t.regs.arg(0) == c.orig.arg(0) {
					held = true // the kernel gave x0 back itself
				}
				same = same && held
			}
		}
		if !changed || !same {
			continue
		}
		c.valid = false
		// Only what the tracer changed: the others are the guest's, as it left them.
		for a := 0; a < 6; a++ {
			if c.orig.arg(a) != c.set.arg(a) {
				t.regs.setArg(a, c.orig.arg(a))
			}
		}
		return true
	}
	return false
}

package tracer

import "testing"

// callRegs is a syscall entry's registers: nr, pc and sp, and args 100..105.
func callRegs() regs {
	var r regs
	r.setSysno(42)
	r.setPC(0x401000)
	r.setSP(0x7ffd0000)
	for a := 0; a < 6; a++ {
		r.setArg(a, uint64(100+a))
	}
	return r
}

// leave makes t's current call one whose path argument 1 the tracer pointed at scratch
// memory and left so.
func leave(t *tracee) {
	t.orig = callRegs()
	t.regs = t.orig
	t.regs.setArg(1, 0x7ffcff00)
	t.modified = true
	t.leaveUnrestored()
}

func TestUndoUnrestored(t *testing.T) {
	// A restart: the registers as the tracer left them.
	var tc tracee
	leave(&tc)
	tc.regs = callRegs()
	tc.regs.setArg(1, 0x7ffcff00)
	if !tc.undoUnrestored() || tc.regs.arg(1) != 101 {
		t.Errorf("restart: not recognized, or argument 1 is %#x, want the guest's 101", tc.regs.arg(1))
	}
	if tc.undoUnrestored() {
		t.Errorf("a recognized restart was remembered still")
	}

	// A new call through the same instruction with the guest's own pointer.
	leave(&tc)
	tc.regs = callRegs()
	tc.regs.setArg(1, 0x601000)
	if tc.undoUnrestored() || tc.regs.arg(1) != 0x601000 {
		t.Errorf("a new call was taken for a restart")
	}

	// A new call whose compiled code kept the (preserved) register holding the tracer's
	// pointer, with other arguments of its own: only what the tracer changed goes back.
	leave(&tc)
	tc.regs = callRegs()
	tc.regs.setArg(1, 0x7ffcff00)
	tc.regs.setArg(0, 7)
	tc.regs.setArg(2, 9)
	if !tc.undoUnrestored() || tc.regs.arg(1) != 101 || tc.regs.arg(0) != 7 || tc.regs.arg(2) != 9 {
		t.Errorf("args after undo: %d %#x %d, want 7 101 9", tc.regs.arg(0), tc.regs.arg(1), tc.regs.arg(2))
	}

	// Another stack pointer: not this call.
	leave(&tc)
	tc.regs = callRegs()
	tc.regs.setArg(1, 0x7ffcff00)
	tc.regs.setSP(0x7ffd1000)
	if tc.undoUnrestored() {
		t.Errorf("a call on another stack pointer was taken for a restart")
	}
}

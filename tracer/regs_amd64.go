package tracer

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// regs is a tracee's register file at a stop. On x86_64 PTRACE_GETREGS/SETREGS move the
// whole user_regs_struct in one call.
type regs struct {
	r unix.PtraceRegs
}

func getRegs(tid int, r *regs) error { return unix.PtraceGetRegs(tid, &r.r) }
func setRegs(tid int, r *regs) error { return unix.PtraceSetRegs(tid, &r.r) }

// sysno is the syscall number at a syscall stop: orig_rax, since rax already holds
// -ENOSYS at entry (arch/x86/entry/entry_64.S pushes it) and the result at exit.
func (r *regs) sysno() int { return int(int64(r.r.Orig_rax)) }

// setSysno changes the syscall about to run; -1 skips it (rax then is the result).
func (r *regs) setSysno(nr int) { r.r.Orig_rax = uint64(int64(nr)) }

// arg is syscall argument i (0-5). Another index is a broken table row or caller (a -1
// "no such argument"): it panics, as the arm64 register array's index does, so that the
// amd64 tests find it too.
func (r *regs) arg(i int) uint64 {
	switch i {
	case 0:
		return r.r.Rdi
	case 1:
		return r.r.Rsi
	case 2:
		return r.r.Rdx
	case 3:
		return r.r.R10
	case 4:
		return r.r.R8
	case 5:
		return r.r.R9
	}
	panic("tracer: syscall argument " + strconv.Itoa(i))
}

func (r *regs) setArg(i int, v uint64) {
	switch i {
	case 0:
		r.r.Rdi = v
	case 1:
		r.r.Rsi = v
	case 2:
		r.r.Rdx = v
	case 3:
		r.r.R10 = v
	case 4:
		r.r.R8 = v
	case 5:
		r.r.R9 = v
	default:
		panic("tracer: syscall argument " + strconv.Itoa(i))
	}
}

func (r *regs) ret() int64     { return int64(r.r.Rax) }
func (r *regs) setRet(v int64) { r.r.Rax = uint64(v) }
func (r *regs) sp() uint64     { return r.r.Rsp }
func (r *regs) setSP(v uint64) { r.r.Rsp = v }
func (r *regs) pc() uint64     { return r.r.Rip }
func (r *regs) setPC(v uint64) { r.r.Rip = v }
func (r *regs) restoreArgs(o *regs) {
	// The x86_64 syscall ABI preserves every register but rax, rcx and r11, and compilers
	// rely on it (glibc's inline syscalls do not mark argument registers clobbered), so the
	// guest must get back the argument registers it passed.
	r.r.Rdi, r.r.Rsi, r.r.Rdx, r.r.R10, r.r.R8, r.r.R9 = o.r.Rdi, o.r.Rsi, o.r.Rdx, o.r.R10, o.r.R8, o.r.R9
}

// restartRestoresArg0: on x86_64 a restarted syscall re-enters with every argument
// register as it was (arch/x86/kernel/signal.c: only ax and ip are reset).
const restartRestoresArg0 = false

// redZone is the System V x86_64 ABI's 128 bytes below rsp that leaf functions may use
// without moving rsp: scratch data must go below it.
const redZone = 128

// syscallInsn is the x86_64 `syscall` instruction followed by `int3`, used to inject a
// system call that traps back to the tracer (SIGTRAP) as soon as it returns.
var syscallInsn = []byte{0x0f, 0x05, 0xcc}

// prepareInjection sets up r so that resuming at the injected syscall instruction at pc
// runs syscall nr with args.
func (r *regs) prepareInjection(pc uint64, nr int, args ...uint64) {
	r.r.Rip = pc
	r.r.Rax = uint64(nr)
	r.r.Orig_rax = ^uint64(0)
	for i := 0; i < 6; i++ {
		v := uint64(0)
		if i < len(args) {
			v = args[i]
		}
		r.setArg(i, v)
	}
}

func (r *regs) String() string {
	return fmtRegs(r.r.Rip, r.r.Rsp, r.r.Orig_rax, r.r.Rax, r.r.Rdi, r.r.Rsi, r.r.Rdx)
}

package tracer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// regs is a tracee's register file at a stop. arm64 has no PTRACE_GETREGS: the general
// registers come through PTRACE_GETREGSET NT_PRSTATUS, and the syscall number must be
// changed through NT_ARM_SYSTEM_CALL (writing x8 at a stop has no effect, see
// arch/arm64/kernel/ptrace.c). x0 is both the first argument and the result, and
// orig_x0 is not exported, so the tracer keeps the entry arguments itself.
type regs struct {
	r     unix.PtraceRegsArm64
	nr    int
	nrSet bool
}

const ntArmSystemCall = 0x404 // NT_ARM_SYSTEM_CALL, include/uapi/linux/elf.h

func getRegs(tid int, r *regs) error {
	if err := unix.PtraceGetRegSetArm64(tid, unix.NT_PRSTATUS, &r.r); err != nil {
		return err
	}
	r.nr = int(int64(r.r.Regs[8]))
	r.nrSet = false
	return nil
}

func setRegs(tid int, r *regs) error {
	if err := unix.PtraceSetRegSetArm64(tid, unix.NT_PRSTATUS, &r.r); err != nil {
		return err
	}
	if r.nrSet {
		nr := int32(r.nr)
		iov := unix.Iovec{Base: (*byte)(unsafe.Pointer(&nr)), Len: 4}
		if _, _, e := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SETREGSET, uintptr(tid), ntArmSystemCall, uintptr(unsafe.Pointer(&iov)), 0, 0); e != 0 {
			return e
		}
		r.nrSet = false
	}
	return nil
}

func (r *regs) sysno() int             { return r.nr }
func (r *regs) setSysno(nr int)        { r.nr, r.nrSet = nr, true }
func (r *regs) arg(i int) uint64       { return r.r.Regs[i] }
func (r *regs) setArg(i int, v uint64) { r.r.Regs[i] = v }
func (r *regs) ret() int64             { return int64(r.r.Regs[0]) }
func (r *regs) setRet(v int64)         { r.r.Regs[0] = uint64(v) }
func (r *regs) sp() uint64             { return r.r.Sp }
func (r *regs) setSP(v uint64)         { r.r.Sp = v }
func (r *regs) pc() uint64             { return r.r.Pc }
func (r *regs) setPC(v uint64)         { r.r.Pc = v }

// restoreArgs gives the guest back x1-x5 as it passed them (the arm64 syscall ABI
// preserves them); x0 carries the result.
func (r *regs) restoreArgs(o *regs) {
	copy(r.r.Regs[1:6], o.r.Regs[1:6])
}

// restartRestoresArg0: on arm64 the kernel sets x0 back to orig_x0, the guest's own
// value, before a restart (arch/arm64/kernel/signal.c, do_signal).
const restartRestoresArg0 = true

// redZone: the AAPCS64 Linux ABI has no red zone below sp.
const redZone = 0

// syscallInsn is `svc #0` (0xd4000001) followed by `brk #0` (0xd4200000), little endian,
// used to inject a system call that traps back to the tracer (SIGTRAP) when it returns.
var syscallInsn = []byte{0x01, 0x00, 0x00, 0xd4, 0x00, 0x00, 0x20, 0xd4}

func (r *regs) prepareInjection(pc uint64, nr int, args ...uint64) {
	r.r.Pc = pc
	r.r.Regs[8] = uint64(nr)
	for i := 0; i < 6; i++ {
		v := uint64(0)
		if i < len(args) {
			v = args[i]
		}
		r.r.Regs[i] = v
	}
	r.nr, r.nrSet = nr, false
}

func (r *regs) String() string {
	return fmtRegs(r.r.Pc, r.r.Sp, uint64(r.nr), r.r.Regs[0], r.r.Regs[0], r.r.Regs[1], r.r.Regs[2])
}

package tracer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction for rt_sigaction on x86_64 and arm64
// (both define SA_RESTORER, so both have sa_restorer: include/uapi/asm-generic/signal.h).
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// saNoCldStop is SA_NOCLDSTOP (include/uapi/asm-generic/signal-defs.h).
const saNoCldStop = 0x1

// quietTraceeStops adds SA_NOCLDSTOP to groot's SIGCHLD action, keeping the Go runtime's
// handler. Every ptrace stop of every tracee otherwise sends the tracer a SIGCHLD
// (kernel/signal.c, do_notify_parent_cldstop), a signal delivery per stop that the
// tracer has no use for: it learns of stops from wait4, which the kernel wakes whether
// or not the signal is sent. Children that exit still send SIGCHLD (do_notify_parent).
func quietTraceeStops() error {
	var act kernelSigaction
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), 0, uintptr(unsafe.Pointer(&act)), 8, 0, 0); e != 0 {
		return e
	}
	if act.handler == 0 || act.handler == 1 {
		// SIG_DFL or SIG_IGN: the runtime has not installed its handler; leave it.
		return nil
	}
	act.flags |= saNoCldStop
	if _, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		return e
	}
	return nil
}

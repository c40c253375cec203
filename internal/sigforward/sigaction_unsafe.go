package sigforward

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelSigaction is the kernel's struct sigaction for rt_sigaction(2) on amd64 and arm64
// (include/uapi/asm-generic/signal.h layout with sa_restorer; the mask is one word).
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

// sa_flags, as in include/uapi/asm-generic/signal-defs.h (the same on x86): not among
// golang.org/x/sys/unix's constants.
const (
	_SIG_IGN = 1

	_SA_SIGINFO  = 0x00000004
	_SA_RESTORER = 0x04000000
	_SA_ONSTACK  = 0x08000000
	_SA_RESTART  = 0x10000000
)

// install sets handler for sigs. SA_ONSTACK: the handler runs on the thread's signal
// stack, which every Go thread has (a goroutine's stack may be too small for the
// kernel's signal frame); SA_RESTART: groot's own system calls are not interrupted.
func install(handler uintptr, flags uint64, sigs []unix.Signal) error {
	_, _, restorer := handlerPCs()
	act := kernelSigaction{handler: handler, flags: flags | _SA_ONSTACK | _SA_RESTART | _SA_RESTORER, restorer: restorer}
	for _, sig := range sigs {
		if sig <= 0 || sig >= 32 {
			return fmt.Errorf("rt_sigaction(%d): only standard signals are handled", sig)
		}
		var old kernelSigaction
		if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); errno != 0 {
			return fmt.Errorf("rt_sigaction(%v): %w", sig, errno)
		}
		if old.handler == _SIG_IGN {
			// Ignored when groot started (nohup, a shell's background job): left so,
			// and the guest inherits it, as it would natively. The Go runtime keeps an
			// inherited SIG_IGN only for SIGHUP and SIGINT (runtime/signal_unix.go,
			// sigInstallGoHandler); other signals hold its handler by now.
			continue
		}
		if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); errno != 0 {
			return fmt.Errorf("rt_sigaction(%v): %w", sig, errno)
		}
	}
	return nil
}

// Package sigaction reads and sets signal dispositions with rt_sigaction(2) directly, for
// what os/signal does not offer: a handler with no Go in it (internal/sigforward) and a
// flag added to the Go runtime's own handler (the tracer's SA_NOCLDSTOP).
package sigaction

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Action is the kernel's struct sigaction for rt_sigaction on x86_64 and arm64 (both
// define SA_RESTORER, so both have sa_restorer: include/uapi/asm-generic/signal.h); the
// mask is one word.
type Action struct {
	Handler  uintptr
	Flags    uint64
	Restorer uintptr
	Mask     uint64
}

// Dispositions and sa_flags, as in include/uapi/asm-generic/signal-defs.h (the same on
// x86): not among golang.org/x/sys/unix's constants.
const (
	SIG_DFL = 0
	SIG_IGN = 1

	SA_NOCLDSTOP = 0x00000001
	SA_SIGINFO   = 0x00000004
	SA_RESTORER  = 0x04000000
	SA_ONSTACK   = 0x08000000
	SA_RESTART   = 0x10000000
)

// Get returns sig's current action.
func Get(sig unix.Signal) (Action, error) {
	var act Action
	if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&act)), 8, 0, 0); errno != 0 {
		return act, fmt.Errorf("rt_sigaction(%v): %w", sig, errno)
	}
	return act, nil
}

// Set makes act sig's action.
func Set(sig unix.Signal, act *Action) error {
	if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(act)), 0, 8, 0, 0); errno != 0 {
		return fmt.Errorf("rt_sigaction(%v): %w", sig, errno)
	}
	return nil
}

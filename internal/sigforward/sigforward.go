// Package sigforward passes the signals sent to groot on to the guest, from a signal
// handler with no Go in it: a few instructions that call kill(2) (handler_amd64.s,
// handler_arm64.s).
//
// Why not os/signal: its first Notify starts a goroutine locked to a thread of its own
// (ensureSigM), the runtime's template thread for it, and a goroutine parked in
// signal_recv whose M is handed off: three new threads and their wake-ups, 0.4 ms of a
// 3 ms start here (2 vCPUs, `groot --mode userns true`), paid by every run for a signal
// that seldom comes. A handler installed with rt_sigaction is what a C program would use;
// execve resets it to the default in the guest (signal(7)), as it does Go's.
package sigforward

import (
	"sync/atomic"

	"github.com/groot-sandbox/groot/internal/sigaction"
	"golang.org/x/sys/unix"
)

// target is the pid signals are forwarded to; 0 until Target names it. pending has bit N
// set for signal N caught before then. The handlers read and write both (a plain 32-bit
// load, an atomic or), so they are 32 bits wide and accessed atomically here.
var (
	target  int32
	pending uint32
)

// Passed are the signals both engines pass on from groot to the guest (and the PID
// namespace's inits, userns/isolate.go and the assembled userns/pid1, to the guest they
// start, whose signal set must say the same).
var Passed = []unix.Signal{unix.SIGINT, unix.SIGQUIT, unix.SIGTERM, unix.SIGHUP, unix.SIGUSR1, unix.SIGUSR2}

// kernelSkip has bit N set for the signals that are not passed on when the kernel made
// them: SIGINT and SIGQUIT, which the terminal sends to its whole foreground process
// group (the guest included: it shares groot's). A hangup's SIGHUP is passed on: the
// kernel sends it to the session leader only (drivers/tty/tty_jobctrl.c,
// tty_signal_session_leader), which groot is under `ssh -t host groot ...`. Never
// changed: a variable only so that the handlers can read it by its symbol.
var kernelSkip uint32 = 1<<unix.SIGINT | 1<<unix.SIGQUIT

// Implemented in assembly; entered by the kernel, never called from Go.
func forwardHandler()
func swallowHandler()
func sigreturn()

// handlerPCs gives the entry points of the three above (their ABI0 symbols: a Go func
// value would be the ABIInternal wrapper, which expects a goroutine).
func handlerPCs() (forward, swallow, restorer uintptr)

// Forward makes each of sigs go on to the target with kill(2) when groot gets it, except
// the terminal's SIGINT and SIGQUIT (kernelSkip), which reached the guest already. Until
// Target names the guest, caught signals are kept and sent when it does.
func Forward(sigs ...unix.Signal) error {
	fwd, _, _ := handlerPCs()
	return install(fwd, sigaction.SA_SIGINFO, sigs)
}

// Swallow makes groot survive sigs (its default would stop or end it) without keeping
// them from the guest, which starts with the default disposition: a handler, unlike
// SIG_IGN, does not survive execve.
func Swallow(sigs ...unix.Signal) error {
	_, sw, _ := handlerPCs()
	return install(sw, 0, sigs)
}

// Target names the process to forward to, and sends it what was caught before. A
// handler running at this very moment may send its signal twice, never not at all.
// Target(0) is for after the guest was reaped: signals are kept again rather than sent
// to a pid that may name another process by then.
func Target(pid int) {
	atomic.StoreInt32(&target, int32(pid))
	if pid == 0 {
		return // kill(0, sig) would signal groot's process group
	}
	p := atomic.SwapUint32(&pending, 0)
	for sig := 1; sig < 32; sig++ {
		if p&(1<<sig) != 0 {
			_ = unix.Kill(pid, unix.Signal(sig))
		}
	}
}

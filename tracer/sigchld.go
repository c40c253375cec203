package tracer

import (
	"github.com/groot-sandbox/groot/internal/sigaction"
	"golang.org/x/sys/unix"
)

// quietTraceeStops adds SA_NOCLDSTOP to groot's SIGCHLD action, keeping the Go runtime's
// handler. Every ptrace stop of every tracee otherwise sends the tracer a SIGCHLD
// (kernel/signal.c, do_notify_parent_cldstop), a signal delivery per stop that the
// tracer has no use for: it learns of stops from wait4, which the kernel wakes whether
// or not the signal is sent. Children that exit still send SIGCHLD (do_notify_parent).
func quietTraceeStops() error {
	act, err := sigaction.Get(unix.SIGCHLD)
	if err != nil {
		return err
	}
	if act.Handler == sigaction.SIG_DFL || act.Handler == sigaction.SIG_IGN {
		// The runtime has not installed its handler; leave it.
		return nil
	}
	act.Flags |= sigaction.SA_NOCLDSTOP
	return sigaction.Set(unix.SIGCHLD, &act)
}

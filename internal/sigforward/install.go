package sigforward

import (
	"fmt"

	"github.com/groot-sandbox/groot/internal/sigaction"
	"golang.org/x/sys/unix"
)

// install sets handler for sigs. SA_ONSTACK: the handler runs on the thread's signal
// stack, which every Go thread has (a goroutine's stack may be too small for the
// kernel's signal frame); SA_RESTART: groot's own system calls are not interrupted.
func install(handler uintptr, flags uint64, sigs []unix.Signal) error {
	_, _, restorer := handlerPCs()
	act := sigaction.Action{Handler: handler, Flags: flags | sigaction.SA_ONSTACK | sigaction.SA_RESTART | sigaction.SA_RESTORER, Restorer: restorer}
	for _, sig := range sigs {
		if sig <= 0 || sig >= 32 {
			return fmt.Errorf("rt_sigaction(%d): only standard signals are handled", sig)
		}
		old, err := sigaction.Get(sig)
		if err != nil {
			return err
		}
		if old.Handler == sigaction.SIG_IGN {
			// Ignored when groot started (nohup, a shell's background job): left so,
			// and the guest inherits it, as it would natively. The Go runtime keeps an
			// inherited SIG_IGN only for SIGHUP and SIGINT (runtime/signal_unix.go,
			// sigInstallGoHandler); other signals hold its handler by now.
			continue
		}
		if err := sigaction.Set(sig, &act); err != nil {
			return err
		}
	}
	return nil
}

package sigforward

import (
	"os/exec"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/groot-sandbox/groot/internal/sigaction"
	"golang.org/x/sys/unix"
)

// sleeper starts a child that only waits; kill ends it.
func sleeper(t *testing.T) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

// diedOf waits for cmd and reports the signal that ended it (0 when none did).
func diedOf(t *testing.T, cmd *exec.Cmd) syscall.Signal {
	t.Helper()
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}

// One test, in order: the handlers and the target are process-wide.
func TestForward(t *testing.T) {
	for _, sig := range []unix.Signal{unix.SIGHUP, unix.SIGINT} {
		if act, err := sigaction.Get(sig); err == nil && act.Handler == sigaction.SIG_IGN {
			t.Skipf("%v is ignored (nohup?): Forward leaves it so", sig)
		}
	}
	atomic.StoreInt32(&target, 0) // as at start (go test -count=N runs this again)
	atomic.StoreUint32(&pending, 0)
	if err := Forward(unix.SIGHUP, unix.SIGTERM, unix.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := Swallow(unix.SIGTSTP); err != nil {
		t.Fatal(err)
	}

	// Before Target: kept, then sent.
	if err := unix.Kill(unix.Getpid(), unix.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitKept(t, unix.SIGHUP, "before Target")
	first := sleeper(t)
	Target(first.Process.Pid)
	if sig := diedOf(t, first); sig != unix.SIGHUP {
		t.Errorf("the signal kept before Target: the target died of %v, want SIGHUP", sig)
	}

	// After Target: sent at once, and groot (this process) lives on.
	second := sleeper(t)
	Target(second.Process.Pid)
	if err := unix.Kill(unix.Getpid(), unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if sig := diedOf(t, second); sig != unix.SIGTERM {
		t.Errorf("SIGTERM sent to this process: the target died of %v, want SIGTERM", sig)
	}

	// The terminal's SIGINT (si_code SI_KERNEL) is not passed on; a hangup's SIGHUP,
	// which the kernel sends to the session leader only, is.
	third := sleeper(t)
	Target(third.Process.Pid)
	kernelMade(t, unix.SIGINT)
	// Swallowed: this process does not stop (the test would hang).
	if err := unix.Kill(unix.Getpid(), unix.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if exited(t, third.Process.Pid) {
		t.Errorf("a kernel-made SIGINT was passed on: the target ended")
	}
	kernelMade(t, unix.SIGHUP)
	if sig := diedOf(t, third); sig != unix.SIGHUP {
		t.Errorf("a kernel-made SIGHUP: the target died of %v, want SIGHUP", sig)
	}
	if atomic.LoadUint32(&pending) != 0 {
		t.Errorf("pending = %#x after Target, want 0", pending)
	}

	// After the guest: kept, not sent (kill(0, sig) would hit this process group).
	Target(0)
	if err := unix.Kill(unix.Getpid(), unix.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitKept(t, unix.SIGHUP, "after Target(0)")
}

// kernelMade sends this thread sig as the kernel would (si_code SI_KERNEL):
// rt_tgsigqueueinfo may set any si_code for a signal a thread sends itself
// (kernel/signal.c, do_rt_tgsigqueueinfo).
func kernelMade(t *testing.T, sig unix.Signal) {
	t.Helper()
	info := unix.Siginfo{Signo: int32(sig), Code: 0x80} // SI_KERNEL
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	_, _, errno := unix.RawSyscall6(unix.SYS_RT_TGSIGQUEUEINFO, uintptr(unix.Getpid()), uintptr(unix.Gettid()), uintptr(sig), uintptr(unsafe.Pointer(&info)), 0, 0)
	if errno != 0 {
		t.Fatalf("rt_tgsigqueueinfo: %v", errno)
	}
}

// exited reports whether pid has ended (a zombie counts: kill(pid, 0) would still
// succeed), without reaping it.
func exited(t *testing.T, pid int) bool {
	t.Helper()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != nil {
		t.Fatalf("waitid(%d): %v", pid, err)
	}
	return info.Signo != 0
}

// waitKept waits until sig is among the pending signals (a signal sent to oneself is
// handled soon, not necessarily before kill returns).
func waitKept(t *testing.T, sig unix.Signal, when string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); atomic.LoadUint32(&pending)&(1<<sig) == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("%v caught %s was not kept", sig, when)
		}
		time.Sleep(time.Millisecond)
	}
}

package sigforward

import (
	"os/exec"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

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
	atomic.StoreInt32(&target, 0) // as at start (go test -count=N runs this again)
	atomic.StoreUint32(&pending, 0)
	if err := Forward(unix.SIGHUP, unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := Swallow(unix.SIGTSTP); err != nil {
		t.Fatal(err)
	}

	// Before Target: kept, then sent.
	if err := unix.Kill(unix.Getpid(), unix.SIGHUP); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); atomic.LoadUint32(&pending)&(1<<unix.SIGHUP) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("SIGHUP caught before Target was not kept")
		}
		time.Sleep(time.Millisecond)
	}
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

	// A signal the kernel made (si_code SI_KERNEL, as the terminal's) is not passed on.
	// rt_tgsigqueueinfo may set any si_code for a signal a thread sends itself
	// (kernel/signal.c, do_rt_tgsigqueueinfo).
	third := sleeper(t)
	Target(third.Process.Pid)
	info := unix.Siginfo{Signo: int32(unix.SIGTERM), Code: 0x80} // SI_KERNEL
	runtime.LockOSThread()
	_, _, errno := unix.RawSyscall6(unix.SYS_RT_TGSIGQUEUEINFO, uintptr(unix.Getpid()), uintptr(unix.Gettid()), uintptr(unix.SIGTERM), uintptr(unsafe.Pointer(&info)), 0, 0)
	runtime.UnlockOSThread()
	if errno != 0 {
		t.Fatalf("rt_tgsigqueueinfo: %v", errno)
	}
	// Swallowed: this process does not stop (the test would hang).
	if err := unix.Kill(unix.Getpid(), unix.SIGTSTP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if err := third.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a kernel-made SIGTERM was passed on: the target is gone (%v)", err)
	}
	if atomic.LoadUint32(&pending) != 0 {
		t.Errorf("pending = %#x after Target, want 0", pending)
	}
}

package colocate

import (
	"os/exec"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const ms = uint64(time.Millisecond)

func TestStepRules(t *testing.T) {
	dt := 10 * time.Millisecond
	cases := []struct {
		name      string
		away      bool
		u         usage
		contended bool
		ticks     int // how many identical intervals
		wantMove  bool
		wantAway  bool
	}{
		// Two busy tasks on one CPU each run half the time and wait the other half.
		{"computing in contention moves away after two intervals", false, usage{run: 5 * ms, delay: 5 * ms}, true, 2, true, true},
		{"one interval is not enough", false, usage{run: 5 * ms, delay: 5 * ms}, true, 1, false, true},
		{"computing alone stays home", false, usage{run: 10 * ms}, false, 5, false, false},
		// tar: runs half the time, waits a quarter, 40 stops in 5 ms (8,000 a second).
		{"a task that stops often stays home", false, usage{run: 5 * ms, delay: 3 * ms, stops: 40}, true, 5, false, false},
		{"a task waiting for the tracer stays home", false, usage{run: 2 * ms, delay: 1 * ms, stops: 5}, true, 5, false, false},
		{"away and computing stays away", true, usage{run: 10 * ms}, false, 10, false, false},
		{"away and idle comes home after three intervals", true, usage{run: 1 * ms}, false, 3, true, false},
		{"away and idle for two intervals stays", true, usage{run: 1 * ms}, false, 2, false, false},
	}
	for _, c := range cases {
		task := &Task{away: c.away}
		var move, away bool
		for i := 0; i < c.ticks; i++ {
			move, away = task.step(c.u, dt, c.contended)
			if move && i < c.ticks-1 {
				t.Fatalf("%s: moved after %d intervals, want %d", c.name, i+1, c.ticks)
			}
		}
		if move != c.wantMove || move && away != c.wantAway {
			t.Errorf("%s: move=%v away=%v, want move=%v away=%v", c.name, move, away, c.wantMove, c.wantAway)
		}
	}
}

func TestReadSchedstat(t *testing.T) {
	run, _, err := readSchedstat(unix.Gettid())
	if err != nil {
		t.Skipf("no /proc/TID/schedstat on this kernel: %v", err)
	}
	if run == 0 {
		t.Errorf("this thread ran 0 ns")
	}
}

// busy starts a process that computes until killed.
func busy(t *testing.T) *exec.Cmd {
	cmd := exec.Command("/bin/sh", "-c", "while :; do :; done")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd
}

func allowed(t *testing.T, pid int) *unix.CPUSet {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(pid, &set); err != nil {
		t.Fatal(err)
	}
	return &set
}

// TestPlacerSpreadsAndGathers runs real processes on the home CPU: two that compute are
// moved to every CPU; once one of them stops, the other comes home.
func TestPlacerSpreadsAndGathers(t *testing.T) {
	var wide unix.CPUSet
	if err := unix.SchedGetaffinity(0, &wide); err != nil || wide.Count() < 2 {
		t.Skip("needs two CPUs")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	p := Start()
	if p == nil {
		t.Fatal("Start returned nil on a machine with two CPUs and schedstat")
	}
	defer p.Stop()
	defer func() {
		// This thread goes back to the Go runtime pinned otherwise.
		unix.SchedSetaffinity(0, &wide)
	}()
	if got := allowed(t, 0); got.Count() != 1 || !got.IsSet(p.Home()) {
		t.Fatalf("tracer thread allowed %d CPUs, want only %d", got.Count(), p.Home())
	}
	// Forked from this thread: they inherit the home CPU, as the guest does.
	a, b := busy(t), busy(t)
	ta := p.Add(a.Process.Pid, nil)
	p.Add(b.Process.Pid, nil)
	for _, pid := range []int{a.Process.Pid, b.Process.Pid} {
		if got := allowed(t, pid); got.Count() != 1 {
			t.Fatalf("pid %d starts on %d CPUs, want the home CPU", pid, got.Count())
		}
	}
	waitFor := func(what string, cond func() bool) {
		deadline := time.Now().Add(5 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("after 5 s: %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("two computing tasks on one CPU were not moved away", func() bool {
		return allowed(t, a.Process.Pid).Count() == wide.Count() && allowed(t, b.Process.Pid).Count() == wide.Count()
	})
	// One stops (SIGSTOP: it neither runs nor waits); the other no longer competes with
	// anything, but it computes: it stays away, where it disturbs the tracer least.
	if err := b.Process.Signal(unix.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer b.Process.Signal(unix.SIGCONT)
	waitFor("the stopped task did not come home", func() bool { return allowed(t, b.Process.Pid).Count() == 1 })
	time.Sleep(200 * time.Millisecond)
	if got := allowed(t, a.Process.Pid); got.Count() != wide.Count() {
		t.Errorf("the computing task was brought home (%d CPUs)", got.Count())
	}
	// Released: the guest set its own mask; the Placer leaves it alone.
	p.Release(ta)
	var one unix.CPUSet
	one.Set(p.Home())
	if err := unix.SchedSetaffinity(a.Process.Pid, &one); err != nil {
		t.Fatal(err)
	}
	if err := b.Process.Signal(unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if got := allowed(t, a.Process.Pid); got.Count() != 1 {
		t.Errorf("a released task's mask was changed (%d CPUs)", got.Count())
	}
}

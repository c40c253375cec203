package colocate

import (
	"os"
	"strconv"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Background threads must not preempt the guest. groot's Go runtime threads that are not
// tracer threads (sysmon, the GC's workers, the threads of the signal forwarder and of
// the Placer) wake up on their own: sysmon every 20 us while a tracer thread sits in a
// syscall (runtime/proc.go, retake), which a tracer thread waiting in wait4 always does.
// The scheduler puts a waking thread where it ran, or on a busy CPU when the hypervisor
// packs vCPUs, and a woken SCHED_NORMAL thread preempts the running one
// (kernel/sched/fair.c, check_preempt_wakeup_fair): the guest task, or the tracer in the
// middle of a stop, each preemption two context switches more. Measured under the python
// workload on a 2-vCPU VM: sysmon preempted the guest 141 times and the tracer 83 times
// in one run; as SCHED_BATCH, never, and the run is 4.6% faster (find 2.3%).
//
// SCHED_BATCH keeps the weight of nice 0 (no thread starves) and drops only wakeup
// preemption: "Batch and idle tasks do not preempt non-idle tasks" (same function). A
// thread may switch between SCHED_BATCH and SCHED_NORMAL without privilege at the same
// nice value (kernel/sched/syscalls.c, user_check_sched_setscheduler), so a tracer thread
// takes the original policy back (Foreground). Threads inherit the policy of the thread
// that clones them: the guest, forked from a tracer thread, gets groot's own.

var (
	backgrounded atomic.Bool
	original     unix.SchedAttr
)

// Background makes every thread groot has now but the caller (the first tracer thread)
// SCHED_BATCH, when groot runs SCHED_NORMAL (SCHED_OTHER); any other policy the user chose
// for it is left as it is. Tracer threads started later call Foreground.
func Background() {
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil || attr.Policy != unix.SCHED_NORMAL {
		return
	}
	original = *attr
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return
	}
	batch := *attr
	batch.Policy = unix.SCHED_BATCH
	self := unix.Gettid()
	for _, t := range tasks {
		if tid, err := strconv.Atoi(t.Name()); err == nil && tid != self {
			b := batch
			_ = unix.SchedSetAttr(tid, &b, 0)
		}
	}
	backgrounded.Store(true)
}

// Foreground gives the calling thread (a tracer thread, locked to it) the policy groot
// started with, after Background.
func Foreground() error {
	if !backgrounded.Load() {
		return nil
	}
	attr := original
	return unix.SchedSetAttr(0, &attr, 0)
}

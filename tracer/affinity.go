package tracer

import (
	"encoding/binary"

	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// The guest's view of CPU affinity. The tracer may keep a guest task on its own CPU
// (package colocate); the guest must still see the CPUs groot was given, as natively:
// nproc, sysconf-free CPU counts and a Go runtime's GOMAXPROCS come from
// sched_getaffinity. A task that sets its own mask gets it, and the tracer stops placing
// it (and what it creates, which inherits the mask).

// enterAffinity looks at sched_getaffinity/sched_setaffinity(pid, len, mask): when the
// target is a task the tracer places, the exit stop fixes the answer or takes note.
func (tr *tracer) enterAffinity(t *tracee, e *syscalls.Entry) {
	t.affinityFor = nil
	if tr.place == nil {
		return
	}
	target := t
	if pid := int32(t.regs.arg(0)); pid != 0 {
		target = tr.tasks[int(pid)]
	}
	if target == nil || target.place == nil || tr.place.Released(target.place) {
		return
	}
	t.affinityFor = target
	if e.Kind == syscalls.GetAffinity {
		t.exit = exitGetAffinity
	} else {
		// Hands off from now: the placer must not overwrite the mask the kernel is about
		// to set; a failed call gives the task back at the exit.
		tr.place.Release(target.place)
		t.exit = exitSetAffinity
	}
}

// exitAffinity: a successful sched_getaffinity returns the number of bytes it wrote
// (kernel/sched/syscalls.c: min(len, cpumask_size())); those bytes become the CPUs groot
// was given. A failed sched_setaffinity gives the placement back to the tracer.
func (tr *tracer) exitAffinity(t *tracee) {
	target := t.affinityFor
	t.affinityFor = nil
	if target == nil {
		return
	}
	ret := t.regs.ret()
	if t.exit == exitSetAffinity {
		if ret != 0 {
			tr.place.Unrelease(target.place)
		}
		return
	}
	if ret <= 0 {
		return
	}
	wide := tr.place.Wide()
	b := make([]byte, 8*len(wide))
	for i, w := range wide {
		binary.NativeEndian.PutUint64(b[8*i:], uint64(w))
	}
	if int(ret) < len(b) {
		b = b[:ret]
	}
	if err := writeMem(t.tid, t.orig.arg(2), b); err != nil {
		t.regs.setRet(-int64(unix.EFAULT))
	}
}

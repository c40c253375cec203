// Package colocate keeps a traced guest on the CPU of its tracer while that is cheaper,
// and moves the guest's busy tasks to the other CPUs while they would be serialized.
//
// Why: every tracer stop is a round trip between a guest task and the tracer thread.
// When the two sit on different CPUs, each half of the trip wakes an idle CPU with an
// inter-processor interrupt; in a virtual machine that is a VM exit, and it dominates the
// cost of a stop. The scheduler prefers an idle CPU for a task it wakes (kernel/sched/
// fair.c, select_idle_sibling), so left alone it keeps the tracee and the tracer apart.
// Measured on a 2-vCPU KVM guest (kernel 6.18): a pipe round trip between two processes
// takes 76 us across CPUs and 6 us on one; `find /usr` under the tracer runs 4x faster
// with the guest and the tracer on one CPU.
//
// A guest task that makes syscalls and waits for the tracer in turn loses nothing by
// sharing the tracer's CPU. A task that computes for long stretches between stops does
// lose, when another task wants the same CPU: make -j, a multi-threaded program. So a
// Placer samples every guest task's scheduler statistics (/proc/TID/schedstat: time run,
// time spent waiting for a CPU) and moves a task that computes (it ran, or waited to run,
// for most of the interval, and made few stops) to every allowed CPU while tasks wait for
// the home CPU; a task that stops computing comes home.
//
// The guest must not see any of this: sched_getaffinity is answered with the CPUs groot
// was allowed (Wide), so nproc and a Go runtime's GOMAXPROCS are what they are natively.
// A task that sets its own affinity is the guest's from then on (Release).
package colocate

import (
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Task is a Placer's handle on one guest task. The tracer counts the task's stops in it.
type Task struct {
	tid   int
	stops atomic.Uint64
	// home is the CPU of the tracer thread that traces the task (Rehome): its place
	// when it is not away. Atomic: the watcher reads it without the lock.
	home atomic.Int32

	// Owned by the watcher.
	seen         bool   // run and delay hold a first sample
	run, delay   uint64 // /proc/TID/schedstat's first two fields (ns)
	lastStops    uint64
	away         bool // moved off the home CPU
	computeTicks int  // consecutive intervals of computing
	idleTicks    int  // consecutive intervals of not computing while away
	released     bool // the guest set its affinity: hands off
}

// Stopped counts one tracer stop of the task. Safe to call from the tracer's thread
// while the watcher runs.
func (t *Task) Stopped() {
	if t != nil {
		t.stops.Add(1)
	}
}

// Placer places the tasks of one guest.
type Placer struct {
	home int
	wide unix.CPUSet

	mu    sync.Mutex
	tasks map[int]*Task

	done chan struct{}
	wg   sync.WaitGroup
}

// The watcher's rules, per sampling interval.
const (
	// A task computes when it ran, or waited to run, for at least this share of the
	// interval...
	computeShare = 0.6
	// ...and made at most this many stops per second of its run time. Away from the
	// tracer's CPU a stop costs about 70 us more (the measurement above): at 2,000 stops
	// a second that is 14% of the task's time, about what an occasional wait for the
	// shared CPU would cost it.
	maxStopsPerSecond = 2000
	// The home CPU is contended when the guest's tasks together waited for a CPU this
	// share of the interval.
	contendedShare = 0.3
	// A task moves away after this many consecutive computing intervals in contention,
	// and comes home after this many intervals of not computing.
	awayAfter, homeAfter = 2, 3

	minInterval = 10 * time.Millisecond
	maxInterval = 160 * time.Millisecond
)

// Start pins the calling OS thread, which must be the tracer's and locked to it, to the
// CPU it runs on, and starts watching. Guest tasks forked from that thread inherit the
// pin. It returns nil when there is nothing to gain: one CPU allowed, or no
// /proc/TID/schedstat to watch the tasks with (a kernel without CONFIG_SCHED_INFO).
func Start() *Placer {
	var wide unix.CPUSet
	if err := unix.SchedGetaffinity(0, &wide); err != nil || wide.Count() < 2 {
		return nil
	}
	if _, _, err := readSchedstat(unix.Gettid()); err != nil {
		return nil
	}
	cpu, err := getcpu()
	if err != nil || !wide.IsSet(cpu) {
		return nil
	}
	var one unix.CPUSet
	one.Set(cpu)
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		return nil
	}
	p := &Placer{home: cpu, wide: wide, tasks: make(map[int]*Task), done: make(chan struct{})}
	p.wg.Add(1)
	go p.watch()
	return p
}

// Home is the tracer's CPU.
func (p *Placer) Home() int { return p.home }

// Wide is the set of CPUs groot was allowed, which the guest is told it has.
func (p *Placer) Wide() unix.CPUSet { return p.wide }

// Stop ends the watching; the tasks keep their masks.
func (p *Placer) Stop() {
	if p == nil {
		return
	}
	close(p.done)
	p.wg.Wait()
}

// Add starts placing a new guest task. Where it runs is what it inherited from the thread
// that created it, read from the kernel: the tracer may learn of a task late, after its
// creator moved, and the creator may be another thread than the one the tracer thinks
// (parent, the creator as the tracer knows it, is the fallback when the task is gone).
// A mask that is neither the home CPU nor every allowed CPU is one the guest set itself.
func (p *Placer) Add(tid int, parent *Task) *Task {
	if p == nil {
		return nil
	}
	t := &Task{tid: tid}
	t.home.Store(int32(p.home))
	if parent != nil {
		t.home.Store(parent.home.Load())
	}
	var set unix.CPUSet
	if parent == nil {
		if err := unix.SchedGetaffinity(tid, &set); err == nil {
			var home unix.CPUSet
			home.Set(int(t.home.Load()))
			t.away = set == p.wide && set != home
			t.released = set != p.wide && set != home
		}
	}
	p.mu.Lock()
	if parent != nil {
		// A fork copies its parent's mask (kernel/fork.c, dup_task_struct), which the
		// parent's state describes: no sched_getaffinity at every fork.
		t.away, t.released = parent.away, parent.released
	}
	p.tasks[tid] = t
	p.mu.Unlock()
	return t
}

// Unrelease takes the task back after a sched_setaffinity that failed (Release was taken
// at its entry, so that the placer could not overwrite the guest's mask meanwhile).
func (p *Placer) Unrelease(t *Task) {
	if p == nil || t == nil {
		return
	}
	p.mu.Lock()
	t.released = false
	p.mu.Unlock()
}

// Remove forgets a task that ended.
func (p *Placer) Remove(t *Task) {
	if p == nil || t == nil {
		return
	}
	p.mu.Lock()
	if p.tasks[t.tid] == t {
		delete(p.tasks, t.tid)
	}
	p.mu.Unlock()
}

// Rehome makes cpu the task's home, the CPU of the tracer thread that traces it from
// now on, and puts the task there.
func (p *Placer) Rehome(t *Task, cpu int) error {
	if p == nil || t == nil {
		return nil
	}
	var set unix.CPUSet
	set.Set(cpu)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := unix.SchedSetaffinity(t.tid, &set); err != nil {
		return err
	}
	// The watcher's own view (away, its tick counts) is left to it: a task it thinks
	// away comes home to the new home.
	t.home.Store(int32(cpu))
	return nil
}

// CPUs lists the CPUs groot was allowed, the tracer's own first.
func (p *Placer) CPUs() []int {
	cpus := []int{p.home}
	for c := 0; c < len(p.wide)*64; c++ {
		if c != p.home && p.wide.IsSet(c) {
			cpus = append(cpus, c)
		}
	}
	return cpus
}

// Pin keeps the calling OS thread, which must be locked to its goroutine, on cpu: a
// further tracer thread's home.
func Pin(cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	return unix.SchedSetaffinity(0, &set)
}

// Release leaves the task's affinity to the guest, which set it.
func (p *Placer) Release(t *Task) {
	if p == nil || t == nil {
		return
	}
	p.mu.Lock()
	t.released = true
	p.mu.Unlock()
}

// Released reports whether the guest set the task's affinity itself.
func (p *Placer) Released(t *Task) bool {
	if p == nil || t == nil {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return t.released
}

func (p *Placer) watch() {
	defer p.wg.Done()
	interval := minInterval
	timer := time.NewTimer(interval)
	defer timer.Stop()
	last := time.Now()
	var snapshot []*Task
	for {
		select {
		case <-p.done:
			return
		case <-timer.C:
		}
		now := time.Now()
		dt := now.Sub(last)
		last = now
		p.mu.Lock()
		snapshot = snapshot[:0]
		for _, t := range p.tasks {
			if !t.released {
				snapshot = append(snapshot, t)
			}
		}
		p.mu.Unlock()
		if p.sample(snapshot, dt) {
			interval = minInterval
		} else if interval < maxInterval {
			interval *= 2 // an idle guest (a shell at its prompt) is sampled less often
		}
		timer.Reset(interval)
	}
}

// usage is what one task did in one interval, from its schedstat and the tracer's count.
type usage struct {
	run, delay, stops uint64
}

// sample reads every task's statistics for the interval dt, moves tasks, and reports
// whether the guest did anything.
func (p *Placer) sample(tasks []*Task, dt time.Duration) bool {
	// Contention is per home CPU: the tracer may have a thread on several.
	waited := make(map[int32]uint64)
	var busy bool
	type measured struct {
		t *Task
		u usage
	}
	all := make([]measured, 0, len(tasks))
	for _, t := range tasks {
		run, delay, err := readSchedstat(t.tid)
		if err != nil {
			continue // ended; the tracer removes it
		}
		stops := t.stops.Load()
		if !t.seen {
			t.seen, t.run, t.delay, t.lastStops = true, run, delay, stops
			busy = true
			continue
		}
		if run < t.run || delay < t.delay {
			// Counters that went back: the tid names another task now (reused, or a
			// thread's exec took the leader's). A new baseline; nothing to judge yet.
			t.run, t.delay, t.lastStops = run, delay, stops
			continue
		}
		u := usage{run: run - t.run, delay: delay - t.delay, stops: stops - t.lastStops}
		t.run, t.delay, t.lastStops = run, delay, stops
		if !t.away {
			waited[t.home.Load()] += u.delay
		}
		busy = busy || u.run > 0 || u.stops > 0
		all = append(all, measured{t, u})
	}
	for _, m := range all {
		contended := float64(waited[m.t.home.Load()]) >= contendedShare*float64(dt)
		if move, away := m.t.step(m.u, dt, contended); move {
			p.place(m.t, away)
		}
	}
	return busy
}

// step applies the rules to one task for one interval: whether to move it, and where.
func (t *Task) step(u usage, dt time.Duration, contended bool) (move, away bool) {
	// Two tasks that share a CPU each run half the time: what a task wanted is the time
	// it ran plus the time it waited to run.
	computing := float64(u.run+u.delay) >= computeShare*float64(dt) &&
		float64(u.stops) <= maxStopsPerSecond*float64(u.run)/float64(time.Second)
	switch {
	case !t.away && computing && contended:
		t.computeTicks++
		return t.computeTicks >= awayAfter, true
	case !t.away:
		t.computeTicks = 0
		return false, false
	case !computing:
		t.idleTicks++
		return t.idleTicks >= homeAfter, false
	}
	t.idleTicks = 0
	return false, false
}

// place gives the task the home CPU, or every allowed CPU.
func (p *Placer) place(t *Task, away bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var set unix.CPUSet
	if away {
		set = p.wide
	} else {
		set.Set(int(t.home.Load()))
	}
	if t.released || p.tasks[t.tid] != t {
		// The guest's own mask since the snapshot, or the task ended (and its tid may
		// already name another process).
		return
	}
	if err := unix.SchedSetaffinity(t.tid, &set); err != nil {
		return
	}
	t.away, t.computeTicks, t.idleTicks = away, 0, 0
}

// readSchedstat reads /proc/TID/schedstat: the time the task ran and the time it waited
// on a run queue, in nanoseconds (Documentation/scheduler/sched-stats.rst).
func readSchedstat(tid int) (run, delay uint64, err error) {
	var buf [96]byte
	fd, err := unix.Open("/proc/"+strconv.Itoa(tid)+"/schedstat", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, 0, err
	}
	n, err := unix.Read(fd, buf[:])
	unix.Close(fd)
	if err != nil {
		return 0, 0, err
	}
	fields := splitFields(buf[:n])
	if len(fields) < 2 {
		return 0, 0, os.ErrInvalid
	}
	if run, err = strconv.ParseUint(fields[0], 10, 64); err != nil {
		return 0, 0, err
	}
	delay, err = strconv.ParseUint(fields[1], 10, 64)
	return run, delay, err
}

func splitFields(b []byte) []string {
	var out []string
	start := -1
	for i, c := range b {
		if c == ' ' || c == '\n' {
			if start >= 0 {
				out = append(out, string(b[start:i]))
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, string(b[start:]))
	}
	return out
}

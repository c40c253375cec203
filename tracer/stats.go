package tracer

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// stopStats counts the tracer's stops by kind, and the syscall stops by syscall, for
// GROOT_STATS=1: the number of stops is what groot's speed depends on (about 25 us each
// on a 2-vCPU VM, see ../shared/kernel-facts.md), so this is the profile to read first.
type stopStats struct {
	byKind    map[string]int
	bySyscall map[string]int
}

func newStopStats() *stopStats {
	if os.Getenv("GROOT_STATS") == "" {
		return nil
	}
	return &stopStats{byKind: map[string]int{}, bySyscall: map[string]int{}}
}

// count records one stop of kind for the tracee (whose registers, for a syscall stop,
// name the syscall).
func (s *stopStats) count(t *tracee, ws unix.WaitStatus) {
	if s == nil {
		return
	}
	sig := ws.StopSignal()
	event := int(ws>>16) & 0xff
	kind := "signal"
	switch {
	case sig == unix.SIGTRAP|0x80:
		kind = "syscall-entry"
		if t.inSyscall {
			kind = "syscall-exit"
		}
	case event == unix.PTRACE_EVENT_SECCOMP:
		kind = "seccomp"
	case event == unix.PTRACE_EVENT_STOP:
		kind = "event-stop"
	case sig == unix.SIGTRAP && event != 0:
		kind = fmt.Sprintf("event-%d", event)
	case sig == unix.SIGTRAP:
		kind = "trap (injected code)"
	}
	s.byKind[kind]++
	if kind == "seccomp" || kind == "syscall-entry" {
		var r regs
		if getRegs(t.tid, &r) == nil {
			s.bySyscall[syscalls.Name(r.sysno())]++
		}
	}
}

func (s *stopStats) report() {
	if s == nil {
		return
	}
	total := 0
	for _, n := range s.byKind {
		total += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "groot: %d stops\n", total)
	fmt.Fprintf(&b, "groot: path resolutions: %d fast (%d of them in a cached directory), %d walked (%d readlink probes)\n",
		pathmap.Counts.Fast.Load(), pathmap.Counts.Cached.Load(), pathmap.Counts.Walk.Load(), pathmap.Counts.WalkSyscalls.Load())
	for _, m := range []map[string]int{s.byKind, s.bySyscall} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
		for _, k := range keys {
			fmt.Fprintf(&b, "groot:   %7d %s\n", m[k], k)
		}
	}
	os.Stderr.WriteString(b.String())
}

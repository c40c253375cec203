package tracer

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// The seccomp filter lets every syscall that carries no path run at native speed and
// stops the guest (SECCOMP_RET_TRACE) only for those the tracer must see. Since Linux
// 4.8 the filter runs after the ptrace syscall-entry stop and a tracer's changes are
// filtered again (kernel commits 93e35efb8de4, ce6526e8afa4), which is what makes
// RET_TRACE usable for rewriting: older kernels fall back to plain PTRACE_SYSCALL.

// seccomp_data offsets (include/uapi/linux/seccomp.h).
const (
	offNr   = 0
	offArch = 4
	offArgs = 16
)

// x32Bit marks x86_64's x32 ABI syscall numbers (__X32_SYSCALL_BIT).
const x32Bit = 0x40000000

// HaveSeccompTrace reports whether the kernel can run the seccomp-accelerated tracer:
// SECCOMP_RET_TRACE must exist (Linux 3.5; SECCOMP_GET_ACTION_AVAIL, 4.14, says so) and
// be ordered after the ptrace entry stop (4.8). Probed once.
func HaveSeccompTrace() error {
	seccompOnce.Do(func() { seccompErr = probeSeccomp() })
	return seccompErr
}

var (
	seccompOnce sync.Once
	seccompErr  error
)

func probeSeccomp() error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return err
	}
	rel := unix.ByteSliceToString(u.Release[:])
	major, minor := 0, 0
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) >= 2 {
		major, _ = strconv.Atoi(parts[0])
		minor, _ = strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	}
	if major < 4 || major == 4 && minor < 8 {
		return fmt.Errorf("seccomp tracing needs Linux 4.8 (this is %s)", rel)
	}
	action := uint32(unix.SECCOMP_RET_TRACE)
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_GET_ACTION_AVAIL, 0, uintptr(unsafePointer(&action))); e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_GET_ACTION_AVAIL, RET_TRACE): %w", e)
	}
	return nil
}

// filterSpec is what the filter must stop on besides the path-bearing syscalls.
type filterSpec struct {
	uname    bool // -k, --hostname: uname and sethostname
	fake     bool // -0, -i: the fake-root rows, and stat calls with AT_EMPTY_PATH
	affinity bool // the tracer places the guest's tasks (package colocate): sched_{get,set}affinity
	// cookie lets the tracer's own injected openat through without a stop (see
	// loadProgram): openat with this value as its mode argument is allowed. The kernel
	// ignores the mode of an openat without O_CREAT or O_TMPFILE (fs/open.c,
	// build_open_how), so the value is free to carry a mark. It is random per run, so a
	// guest cannot pass it by chance.
	cookie uint64
}

func (s filterSpec) String() string {
	return "uname=" + strconv.FormatBool(s.uname) + ",fake=" + strconv.FormatBool(s.fake) +
		",affinity=" + strconv.FormatBool(s.affinity) + ",cookie=" + strconv.FormatUint(s.cookie, 16)
}

func parseFilterSpec(v string) filterSpec {
	s := filterSpec{uname: strings.Contains(v, "uname=true"), fake: strings.Contains(v, "fake=true"),
		affinity: strings.Contains(v, "affinity=true")}
	if i := strings.Index(v, "cookie="); i >= 0 {
		s.cookie, _ = strconv.ParseUint(v[i+len("cookie="):], 16, 64)
	}
	return s
}

// tracedSyscalls lists, sorted, the syscall numbers the filter must stop on.
func tracedSyscalls(spec filterSpec) []uint32 {
	var nrs []uint32
	for nr := 0; nr < 1024; nr++ {
		e := syscalls.Lookup(nr)
		switch {
		case e == nil,
			(e.Kind == syscalls.Uname || e.Kind == syscalls.Sethostname) && !spec.uname,
			(e.Kind == syscalls.GetAffinity || e.Kind == syscalls.SetAffinity) && !spec.affinity,
			e.FakeOnly() && !spec.fake:
			continue
		}
		nrs = append(nrs, uint32(nr))
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	return nrs
}

// emptyPathFlagsArg says, for syscalls that glibc uses to implement fstat(fd) as
// newfstatat(fd, "", buf, AT_EMPTY_PATH) or statx(fd, "", AT_EMPTY_PATH, ...), which
// argument holds the flags. With AT_EMPTY_PATH set the filter lets the call through
// without a stop: it cannot read the path string, so it assumes the path is "", the fd
// itself. That is glibc's and musl's only use; a caller that passes AT_EMPTY_PATH with a
// non-empty path gets it resolved by the kernel against the host tree. The kernel's cwd
// follows the guest's (chdir is passed on translated), so even AT_FDCWD with "" is right.
func emptyPathFlagsArg(name string) (int, bool) {
	switch name {
	case "newfstatat", "fstatat64":
		return 3, true
	case "statx":
		return 2, true
	}
	return 0, false
}

type bpf []unix.SockFilter

func (p *bpf) stmt(code uint16, k uint32) { *p = append(*p, unix.SockFilter{Code: code, K: k}) }
func (p *bpf) jump(code uint16, k uint32, jt, jf uint8) {
	*p = append(*p, unix.SockFilter{Code: code, Jt: jt, Jf: jf, K: k})
}

// buildFilter builds the filter program: wrong architecture -> ENOSYS (groot translates
// only the native syscall table; an i386 int 0x80 or x32 call would pass guest paths
// untranslated), traced numbers -> TRACE, anything else -> ALLOW. The numbers are found
// by a binary search so that untraced syscalls pay a few BPF instructions, not a scan.
//
// With emptyPathFast, newfstatat and statx with AT_EMPTY_PATH are let through (see
// emptyPathFlagsArg); fake root must see them to fix their results. A non-zero cookie
// lets openat through when its mode argument equals it (filterSpec.cookie).
func buildFilter(nrs []uint32, emptyPathFast bool, cookie uint64) bpf {
	var p bpf
	const (
		ld  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		jst = unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K
		ret = unix.BPF_RET | unix.BPF_K
	)
	p.stmt(ld, offArch)
	p.jump(jeq, auditArch, 1, 0)
	p.stmt(ret, unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS))
	p.stmt(ld, offNr)
	if x32Syscalls {
		p.jump(jge, x32Bit, 0, 1)
		p.stmt(ret, unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS))
	}
	var tree func(nrs []uint32)
	tree = func(nrs []uint32) {
		if len(nrs) <= 3 {
			for _, nr := range nrs {
				name := syscalls.Name(int(nr))
				if arg, ok := emptyPathFlagsArg(name); ok && emptyPathFast {
					p.jump(jeq, nr, 0, 4)
					p.stmt(ld, offArgs+8*uint32(arg))
					p.jump(jst, unix.AT_EMPTY_PATH, 0, 1)
					p.stmt(ret, unix.SECCOMP_RET_ALLOW)
					p.stmt(ret, unix.SECCOMP_RET_TRACE)
					continue
				}
				if nr == unix.SYS_OPENAT && cookie != 0 {
					// The mode is args[3], a 64-bit value read as two 32-bit words
					// (little endian: the low word first).
					p.jump(jeq, nr, 0, 6)
					p.stmt(ld, offArgs+8*3)
					p.jump(jeq, uint32(cookie), 0, 2)
					p.stmt(ld, offArgs+8*3+4)
					p.jump(jeq, uint32(cookie>>32), 1, 0)
					p.stmt(ret, unix.SECCOMP_RET_TRACE)
					p.stmt(ret, unix.SECCOMP_RET_ALLOW)
					continue
				}
				p.jump(jeq, nr, 0, 1)
				p.stmt(ret, unix.SECCOMP_RET_TRACE)
			}
			p.stmt(ret, unix.SECCOMP_RET_ALLOW)
			return
		}
		mid := len(nrs) / 2
		// nr >= nrs[mid]: take the unconditional jump (32-bit offset, unlike the 8-bit
		// conditional ones) over the lower half to the upper half.
		p.jump(jge, nrs[mid], 0, 1)
		at := len(p)
		p.stmt(unix.BPF_JMP|unix.BPF_JA, 0)
		tree(nrs[:mid])
		p[at].K = uint32(len(p) - at - 1)
		tree(nrs[mid:])
	}
	tree(nrs)
	return p
}

// filterEnv carries the filter's configuration from the tracer to the shim.
const filterEnv = "_GROOT_FILTER"

func init() {
	installFilter = func() error {
		spec := os.Getenv(filterEnv)
		os.Unsetenv(filterEnv)
		if spec == "" {
			return nil
		}
		fs := parseFilterSpec(spec)
		prog := buildFilter(tracedSyscalls(fs), !fs.fake, fs.cookie)
		if len(prog) > 4096 {
			return fmt.Errorf("seccomp filter too long (%d instructions)", len(prog))
		}
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
		fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
		// SPEC_ALLOW: see tracer/shim/shim_amd64.S (the filter is for speed; without the
		// flag some kernels force speculation mitigations on the whole guest).
		flags := uintptr(unix.SECCOMP_FILTER_FLAG_TSYNC | unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW)
		_, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafePointer(&fprog)))
		if e == unix.EINVAL {
			// Linux before 4.17 knows no SPEC_ALLOW.
			_, _, e = unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, unix.SECCOMP_FILTER_FLAG_TSYNC, uintptr(unsafePointer(&fprog)))
		}
		if e != 0 {
			return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", e)
		}
		return nil
	}
}

// seccompStop handles PTRACE_EVENT_SECCOMP: the syscall-entry work, then PTRACE_SYSCALL
// when the exit must be seen (the next stop is then that syscall's exit stop) or
// PTRACE_CONT.
func (tr *tracer) seccompStop(t *tracee) {
	if tr.enter(t) {
		t.inSyscall = true
	}
	tr.resume(t, 0)
}

// restartErrnos are the kernel-internal results of a syscall interrupted by a signal that
// the kernel will restart (include/linux/errno.h): ERESTARTSYS, ERESTARTNOINTR,
// ERESTARTNOHAND, ERESTART_RESTARTBLOCK.
func isRestart(ret int64) bool { return ret == -512 || ret == -513 || ret == -514 || ret == -516 }

// fixRestart runs at a signal-delivery stop. If the task was in a syscall whose path
// arguments the tracer changed and the syscall was interrupted to be restarted, the
// arguments must be the guest's again: the restart re-enters the syscall (and the tracer)
// with the registers as they are, and the scratch memory may be gone under a signal frame.
func (tr *tracer) fixRestart(t *tracee) {
	if !t.modified {
		return
	}
	var r regs
	if getRegs(t.tid, &r) != nil {
		return
	}
	if isRestart(r.ret()) {
		r.restoreArgs(&t.orig)
		_ = setRegs(t.tid, &r)
	}
	t.modified = false
	t.exit = exitNone
	t.inSyscall = false
}

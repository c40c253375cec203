// Package userns is groot's namespace fast path: the guest runs in a new user and mount
// namespace whose root is built from the rootfs and the binding table with real bind
// mounts, as bubblewrap does, so no tracer is needed and the guest runs at native speed.
//
// groot re-executes itself as the namespace child (clone(2) with CLONE_NEWUSER|
// CLONE_NEWNS and the uid/gid maps written by the parent: a multi-threaded Go program
// cannot unshare(CLONE_NEWUSER) itself). The child builds the new root and execs the
// guest command; the guest is then groot's direct child, so its exit status and signals
// need no relaying beyond what a shell does.
package userns

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/groot-sandbox/groot/bindings"
	"github.com/groot-sandbox/groot/config"
	"github.com/groot-sandbox/groot/internal/sigforward"
	"golang.org/x/sys/unix"
)

// childEnv marks groot re-executed as the namespace child; its value is the role.
const childEnv = "_GROOT_USERNS"

// pipesEnv tells the namespace child the descriptors of its configuration and status
// pipes: "CONFIG,STATUS".
const pipesEnv = "_GROOT_USERNS_FDS"

// ErrUnavailable wraps every failure to set the namespaces up, before the guest runs:
// the caller may fall back to the ptrace engine.
var ErrUnavailable = errors.New("user namespaces unavailable")

// spec is what the child needs to build the guest's root and start it.
type spec struct {
	Rootfs   string
	Bindings []bindings.Binding // least specific first, rootfs and glue excluded
	Scratch  string
	Cwd      string
	Command  []string
	Argv0    string
	Env      []string
	// Isolation: PID puts an init (groot) at PID 1 and mounts a fresh /proc; Net brings
	// the loopback interface up; Hostname is set in the new UTS namespace.
	PID, Net bool
	Hostname string
}

// Available reports whether this kernel lets this user run the namespace path: clone
// with CLONE_NEWUSER|CLONE_NEWNS (Linux 3.8), the uid/gid maps, and a mount inside. Each
// step is tried for real, since Ubuntu's AppArmor restriction lets the clone succeed and
// fails the map write or the mount, and Docker's seccomp profile fails the clone. Probed
// once per process.
func Available() error {
	probeOnce.Do(func() { probeErr = probe() })
	return probeErr
}

var (
	probeOnce sync.Once
	probeErr  error
)

func probe() error {
	dir, err := os.MkdirTemp("", "groot-probe-")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer os.RemoveAll(dir)
	_, status, err := start(&spec{Scratch: dir}, "probe", os.Getuid(), os.Getgid(), 0)
	if err != nil {
		return err
	}
	if code := status(); code != 0 {
		return fmt.Errorf("%w: probe child exited with status %d", ErrUnavailable, code)
	}
	return nil
}

// Supports reports whether the namespace path can honour every option in cfg; the error
// names the option it cannot honour.
func Supports(cfg *config.Config) error {
	if cfg.Kernel != nil {
		return errors.New("-k needs the ptrace engine (the kernel release cannot be changed in a namespace)")
	}
	return nil
}

// Run runs cfg.Command in the namespaces and returns the guest's exit status
// (128+N when killed by signal N). Errors wrapping ErrUnavailable happened before the
// guest started.
func Run(cfg *config.Config) (int, error) {
	uid, gid := os.Getuid(), os.Getgid()
	if cfg.ChangeID {
		uid, gid = cfg.UID, cfg.GID
	}
	sp := &spec{Rootfs: cfg.Table.Rootfs(), Cwd: cfg.Cwd, Command: cfg.Command, Argv0: cfg.Argv0, Env: cfg.Env,
		PID: cfg.UnsharePID, Net: cfg.UnshareNet, Hostname: cfg.Hostname}
	all := cfg.Table.All()
	for i := len(all) - 1; i >= 0; i-- {
		b := all[i]
		if b.Glue || b.Guest == "/" || cfg.UnsharePID && (b.Guest == "/proc" || strings.HasPrefix(b.Guest, "/proc/")) {
			// With a PID namespace the guest gets a fresh /proc instead of the host's.
			continue
		}
		sp.Bindings = append(sp.Bindings, b)
	}
	flags := uintptr(0)
	if cfg.UnsharePID {
		flags |= unix.CLONE_NEWPID
	}
	if cfg.UnshareNet {
		flags |= unix.CLONE_NEWNET
	}
	if cfg.UnshareIPC {
		flags |= unix.CLONE_NEWIPC
	}
	if cfg.UnshareCgroup {
		flags |= unix.CLONE_NEWCGROUP
	}
	if cfg.Hostname != "" {
		flags |= unix.CLONE_NEWUTS
	}
	// Pdeathsig is delivered when the thread that started the child exits, not the
	// process (golang/go#27505). The Go runtime ends a thread only when a goroutine
	// locked to it returns (runtime.goexit0), and nothing on this path locks one, so the
	// thread that forks lives until groot exits. Not runtime.LockOSThread here: its first
	// call starts the runtime's template thread, about 0.2 ms of a 3 ms start.
	//
	// Signals aimed at groot are passed on to the guest as a process sent them; the
	// terminal's reach it directly through the process group it shares with groot.
	if err := sigforward.Forward(sigforward.Passed...); err != nil {
		return 0, err
	}
	// Processes the guest leaves behind are reparented to groot, which waits for them
	// (or kills them with --kill-on-exit) as the ptrace engine does.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 0, fmt.Errorf("prctl(PR_SET_CHILD_SUBREAPER): %w", err)
	}
	var pid int
	var wait func() int
	if direct(cfg) {
		p, status, err := runDirect(cfg, uid, gid)
		if p == 0 && err == nil {
			return status, nil // the namespaces work; the command could not run
		}
		if p != 0 {
			pid, wait = p, func() int { return waitStatus(p) }
		}
	}
	if wait == nil {
		// The namespace child mounts a tmpfs there for the guest's root and glue.
		scratch, err := cfg.MakeScratch()
		if err != nil {
			return 0, err
		}
		sp.Scratch = scratch
		p, w, err := start(sp, "run", uid, gid, flags)
		if err != nil {
			return 0, err
		}
		pid, wait = p, w
	}
	sigforward.Target(pid)
	status := wait()
	sigforward.Target(0) // reaped: its pid may be another process's soon
	reapOrphans(cfg.KillOnExit)
	return status, nil
}

// reapOrphans waits for every remaining child of groot (orphans of the guest, adopted as
// its subreaper), killing them first when asked to.
func reapOrphans(kill bool) {
	for {
		if kill {
			// Killing a process reparents its children to groot: list again each time.
			for _, pid := range children() {
				_ = unix.Kill(pid, unix.SIGKILL)
			}
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(-1, &ws, 0, nil); err != nil && err != unix.EINTR {
			return
		}
	}
}

// children lists groot's child processes (/proc/PID/task/TID/children, Linux 3.5).
func children() []int {
	var pids []int
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		data, _ := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// start clones the namespace child and hands it sp; it returns once the child has either
// exec'd the guest (then wait returns its status) or failed to set up (an error).
func start(sp *spec, role string, uid, gid int, flags uintptr) (pid int, wait func() int, err error) {
	self, err := os.Executable()
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return 0, nil, err
	}
	statR, statW, err := os.Pipe()
	if err != nil {
		cfgR.Close()
		cfgW.Close()
		return 0, nil, err
	}
	// The pipes keep their numbers in the child (inherited: close-on-exec is cleared for
	// the fork), so that every descriptor groot was given, 3 and up included, reaches
	// the guest as it would natively (a script's `3>log`, a make jobserver's fds).
	// (Nothing else in groot forks at this point, which would inherit them too.)
	for _, f := range []*os.File{cfgR, statW} {
		if _, err := unix.FcntlInt(f.Fd(), unix.F_SETFD, 0); err != nil {
			for _, f := range []*os.File{cfgR, cfgW, statR, statW} {
				f.Close()
			}
			return 0, nil, err
		}
	}
	// syscall.ForkExec rather than os/exec: see runDirect.
	attr := &syscall.ProcAttr{
		// One P keeps the child to few threads: with --unshare-pid they take PIDs in the
		// guest's namespace before the guest starts.
		Env:   []string{childEnv + "=" + role, "GOMAXPROCS=1", fmt.Sprintf("%s=%d,%d", pipesEnv, cfgR.Fd(), statW.Fd())},
		Files: []uintptr{0, 1, 2},
	}
	attr.Sys = &syscall.SysProcAttr{
		Cloneflags:                 unix.CLONE_NEWUSER | unix.CLONE_NEWNS | flags,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: uid, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: gid, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  unix.SIGKILL,
		// The child re-executes groot as a non-root uid, and execve drops the
		// capabilities it holds in its new user namespace (capabilities(7),
		// "Transformation of capabilities during execve()") unless they are ambient.
		// It needs CAP_SYS_ADMIN there for the mounts (and CAP_SYS_CHROOT where
		// pivot_root is refused, see enterRoot), and clears them before the guest runs.
		AmbientCaps: []uintptr{unix.CAP_SYS_ADMIN, unix.CAP_SYS_CHROOT},
	}
	if flags&unix.CLONE_NEWNET != 0 {
		// Bringing the loopback interface up needs CAP_NET_ADMIN in the new network
		// namespace.
		attr.Sys.AmbientCaps = append(attr.Sys.AmbientCaps, unix.CAP_NET_ADMIN)
	}
	pid, err = syscall.ForkExec(self, []string{"groot-userns"}, attr)
	cfgR.Close()
	statW.Close()
	if err != nil {
		cfgW.Close()
		statR.Close()
		if errors.Is(err, unix.ENOSPC) {
			// clone(2): ENOSPC when a nested user namespace would exceed
			// /proc/sys/user/max_user_namespaces.
			return 0, nil, fmt.Errorf("%w: clone(CLONE_NEWUSER): the user namespace limit (max_user_namespaces) is reached: %v", ErrUnavailable, err)
		}
		return 0, nil, fmt.Errorf("%w: clone(CLONE_NEWUSER|CLONE_NEWNS) and uid/gid maps: %v", ErrUnavailable, err)
	}
	go func() {
		json.NewEncoder(cfgW).Encode(sp)
		cfgW.Close()
	}()
	// The status pipe is close-on-exec in the child: EOF with nothing written means the
	// guest was exec'd; otherwise the child says what failed.
	msg, _ := io.ReadAll(statR)
	statR.Close()
	child := pid
	wait = func() int { return waitStatus(child) }
	if len(msg) > 0 {
		code := wait()
		text := strings.TrimSpace(string(msg[1:]))
		if msg[0] == 'E' {
			// The namespaces work; the guest command could not be executed.
			return pid, func() int { return code }, nil
		}
		return 0, nil, fmt.Errorf("%w: %s", ErrUnavailable, text)
	}
	return pid, wait, nil
}

func errUnavailable(err error) error { return fmt.Errorf("%w: %v", ErrUnavailable, err) }

// IsChild reports whether this process is groot re-executed as the namespace child. The
// command line calls it first thing in main and then calls ChildMain.
func IsChild() bool { return os.Getenv(childEnv) != "" }

package userns

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/groot-sandbox/groot/internal/execerr"
	"github.com/groot-sandbox/groot/internal/memexec"
	"github.com/groot-sandbox/groot/internal/sigforward"
	"golang.org/x/sys/unix"
)

// isolate finishes the namespaces the guest asked for, before pivot_root: a fresh /proc
// for a new PID namespace (allowed because this user namespace owns it), the loopback
// interface up in a new network namespace, the hostname in a new UTS namespace.
func isolate(sp *spec, root string) error {
	if sp.PID {
		g := &gluer{scratch: sp.Scratch, owned: map[string]bool{}}
		target := filepath.Join(root, "proc")
		if err := g.ensure(root, target, func(p string) error { return os.Mkdir(p, 0o555) }); err != nil {
			return err
		}
		if err := unix.Mount("proc", target, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return &mountError{"mount proc", "proc", target, err}
		}
	}
	if sp.Net {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("bring the loopback interface up: %w", err)
		}
	}
	if sp.Hostname != "" {
		if err := unix.Sethostname([]byte(sp.Hostname)); err != nil {
			return fmt.Errorf("sethostname %q: %w", sp.Hostname, err)
		}
	}
	return nil
}

// loopbackUp sets IFF_UP on "lo" (netdevice(7), SIOCGIFFLAGS/SIOCSIFFLAGS).
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// execPID1 replaces this process with the assembled init (userns/pid1), executed from a
// memfd so that nothing is written to the guest's tree. It returns only when that is not
// possible (no init for this architecture, memfd or execveat refused); initMain then
// stands in.
func execPID1(sp *spec, argv []string) {
	if len(pid1ELF) == 0 {
		return
	}
	fd, err := memexec.Memfd("groot-init", pid1ELF)
	if err != nil {
		return
	}
	args := append([]string{"groot-init", sp.Command[0]}, argv...)
	argvp, err := cStrings(args)
	if err != nil {
		return
	}
	envp, err := cStrings(sp.Env)
	if err != nil {
		return
	}
	execveatFD(fd, argvp, envp)
	unix.Close(fd)
}

// cStrings makes a NULL-terminated array of C strings for execveat.
func cStrings(ss []string) ([]*byte, error) {
	out := make([]*byte, len(ss)+1)
	for i, s := range ss {
		p, err := unix.BytePtrFromString(s)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// initMain is PID 1 of the guest's PID namespace where the assembled init cannot run. The guest command is not PID 1 itself:
// the kernel drops signals to a namespace's init that it has no handler for, so
// `kill -TERM $$` would do nothing, and orphans would never be reaped. This small init
// starts the guest as PID 2, passes it the signals groot receives, reaps every orphan, and
// exits with the guest's status (128+N for a signal death); when it exits, the kernel
// kills whatever is left in the namespace.
func initMain(sp *spec, argv []string, status *os.File) int {
	sigs := make(chan os.Signal, 8)
	for _, s := range sigforward.Passed {
		signal.Notify(sigs, s)
	}
	attr := &os.ProcAttr{Env: sp.Env, Files: []*os.File{os.Stdin, os.Stdout, os.Stderr}}
	proc, err := os.StartProcess(sp.Command[0], argv, attr)
	if err != nil && errnoOf(err) == unix.ENOEXEC {
		proc, err = os.StartProcess("/bin/sh", append([]string{"/bin/sh", sp.Command[0]}, argv[1:]...), attr)
	}
	if err != nil {
		e := errnoOf(err)
		fmt.Fprintf(os.Stderr, "groot: %s: %s\n", sp.Command[0], execerr.Strerror(e))
		status.Write([]byte{'E'})
		return execerr.Status(e)
	}
	status.Close()
	go func() {
		for s := range sigs {
			_ = proc.Signal(s)
		}
	}()
	code := 0
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return code
		}
		if pid == proc.Pid {
			code = ws.ExitStatus()
			if ws.Signaled() {
				code = 128 + int(ws.Signal())
			}
			return code
		}
	}
}

func errnoOf(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

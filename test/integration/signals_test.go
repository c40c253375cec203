package integration

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestSignalsReachGuest sends SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1 and SIGUSR2 to groot (as kill(1)
// would) and checks that the guest's trap gets each, as the same shell does when it is
// sent the signal natively; groot exits with the guest's status. The namespace engine's
// fast path and the engine with a PID namespace are covered too.
func TestSignalsReachGuest(t *testing.T) {
	if isProot {
		t.Skip("PRoot passes no signal on (Debian's 5.1: the guest runs on, never sees it)")
	}
	ms := modes()
	for _, m := range ms {
		if m.Name == "userns" {
			ms = append(ms, mode{Name: "userns-unshare-pid", Args: []string{"--mode", "userns", "--unshare-pid"}})
			break
		}
	}
	for _, c := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGTERM, "TERM"}, {syscall.SIGHUP, "HUP"}, {syscall.SIGINT, "INT"}, {syscall.SIGQUIT, "QUIT"}, {syscall.SIGUSR1, "USR1"}, {syscall.SIGUSR2, "USR2"}} {
		sig, name := c.sig, c.name
		script := fmt.Sprintf(`trap 'echo got %s; exit 3' %s; echo ready; while :; do sleep 0.05; done`, name, name)
		var want string
		var wantCode int
		if os.Getuid() == 0 {
			want, wantCode = signalled(t, sig, false, nil, "chroot", rootfs, "/usr/local/bin/asuser", fmt.Sprint(uid), fmt.Sprint(gid), "sh", "-c", script)
		} else {
			t.Skip("the native comparison needs root (chroot); CI runs as root")
		}
		if want != "ready\ngot "+name+"\n" || wantCode != 3 {
			t.Fatalf("natively the trap did not run: %q, status %d", want, wantCode)
		}
		for _, m := range ms {
			t.Run(name+"/"+m.Name, func(t *testing.T) {
				args := append(append(append([]string{}, m.Args...), "-r", rootfs), "sh", "-c", script)
				got, code := signalled(t, sig, true, m.Env, append([]string{grootBin}, args...)...)
				if got != want || code != wantCode {
					t.Errorf("groot got %v: output %q, status %d; natively %q, status %d", sig, got, code, want, wantCode)
				}
			})
		}
	}
}

// signalled starts argv with env (as the test user when asUser and this process is root), waits
// for its first line of output, sends it sig, and returns all it wrote and its exit
// status (killed after 10 s).
func signalled(t *testing.T, sig syscall.Signal, asUser bool, env []string, argv ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	// A process group of its own: what is left of it is killed at the end.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if asUser && os.Getuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killAll := func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	timer := time.AfterFunc(10*time.Second, killAll)
	defer timer.Stop()
	defer killAll()
	r := bufio.NewReader(out)
	first, _ := r.ReadString('\n')
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	var rest strings.Builder
	_, _ = r.WriteTo(&rest)
	cmd.Wait()
	return first + rest.String(), cmd.ProcessState.ExitCode()
}

// TestHangupReachesGuest: when groot leads the session of a terminal that hangs up
// (`ssh -t host groot ...`), the kernel sends SIGHUP to groot alone, the session leader
// (drivers/tty/tty_jobctrl.c, tty_signal_session_leader); groot must pass it on, though
// the kernel made it. The guest's trap leaves a mark and groot exits with its status.
func TestHangupReachesGuest(t *testing.T) {
	if isProot {
		t.Skip("PRoot passes no signal on")
	}
	for _, m := range modes() {
		t.Run(m.Name, func(t *testing.T) {
			ptmx, pts := openPty(t)
			defer pts.Close()
			mark := "/tmp/hangup-" + m.Name
			os.Remove(rootfs + mark)
			defer os.Remove(rootfs + mark)
			script := fmt.Sprintf(`trap 'echo got HUP > %s; exit 3' HUP; echo ready; while :; do sleep 0.05; done`, mark)
			cmd := exec.Command(grootBin, append(append(append([]string{}, m.Args...), "-r", rootfs), "sh", "-c", script)...)
			cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, m.Env...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
			if os.Getuid() == 0 {
				cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
			}
			if err := cmd.Start(); err != nil {
				ptmx.Close()
				t.Fatal(err)
			}
			timer := time.AfterFunc(10*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
			defer timer.Stop()
			defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			line, err := bufio.NewReader(ptmx).ReadString('\n')
			if err != nil || !strings.Contains(line, "ready") {
				ptmx.Close()
				t.Fatalf("no ready line from the guest: %q %v", line, err)
			}
			ptmx.Close() // the terminal hangs up (drivers/tty/pty.c, pty_close)
			cmd.Wait()
			got, _ := os.ReadFile(rootfs + mark)
			if string(got) != "got HUP\n" || cmd.ProcessState.ExitCode() != 3 {
				t.Errorf("after a hangup: mark %q, groot %v; want the guest's trap to run and status 3", got, cmd.ProcessState)
			}
		})
	}
}

// openPty opens a new pseudo-terminal pair, its slave owned by the test user.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	needs(t, fmt.Sprintf("a pseudo-terminal (%v)", err), err == nil)
	n, err := unix.IoctlGetInt(int(ptmx.Fd()), unix.TIOCGPTN)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(ptmx.Fd()), unix.TIOCSPTLCK, 0)
	}
	if err != nil {
		ptmx.Close()
		t.Fatalf("pseudo-terminal: %v", err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		ptmx.Close()
		t.Fatal(err)
	}
	if os.Getuid() == 0 {
		os.Chown(pts.Name(), uid, gid)
	}
	return ptmx, pts
}

// TestTerminalInterruptOnce: a terminal's ^C (and ^\) is sent by the kernel to the whole
// foreground process group (drivers/tty/n_tty.c, isig -> kill_pgrp), the guest included,
// since it shares groot's; a sandbox that passed its own copy on as well would make the
// guest take it twice (a shell's trap running twice, an editor seeing two ^Cs). sigcount
// lists every SIGINT it takes and whether the kernel ("kernel") or kill(2) ("user") made
// it; the list must be native's. groot's own handler and, under --unshare-pid, groot-init
// both skip a kernel-made SIGINT.
func TestTerminalInterruptOnce(t *testing.T) {
	if isProot {
		t.Skip("groot's signal forwarding")
	}
	if os.Getuid() != 0 {
		t.Skip("the native comparison needs root (chroot); CI runs as root")
	}
	const prog = "/usr/local/bin/sigcount"
	needs(t, "sigcount in the fixture", exists(rootfs+prog))
	want := interrupted(t, false, nil, "chroot", rootfs, "/usr/local/bin/asuser", fmt.Sprint(uid), fmt.Sprint(gid), prog)
	if want != "kernel\n" {
		t.Fatalf("natively a terminal's ^C gave %q, want one kernel-made SIGINT", want)
	}
	ms := modes()
	for _, m := range ms {
		if m.Name == "userns" {
			ms = append(ms, mode{Name: "userns-unshare-pid", Args: []string{"--mode", "userns", "--unshare-pid"}})
			break
		}
	}
	for _, m := range ms {
		t.Run(m.Name, func(t *testing.T) {
			args := append(append(append([]string{grootBin}, m.Args...), "-r", rootfs), prog)
			if got := interrupted(t, true, m.Env, args...); got != want {
				t.Errorf("a terminal's ^C under groot: the guest took %q; natively %q", got, want)
			}
		})
	}
}

// interrupted runs argv as the session leader of a new pseudo-terminal (as the test user
// when asUser and this process is root), types ^C once it is ready, and returns the
// sigcount lines it wrote ("kernel" or "user" per SIGINT taken).
func interrupted(t *testing.T, asUser bool, env []string, argv ...string) string {
	t.Helper()
	ptmx, pts := openPty(t)
	defer ptmx.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pts, pts, pts
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if asUser {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	err := cmd.Start()
	pts.Close()
	if err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(20*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	defer timer.Stop()
	defer syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	r := bufio.NewReader(ptmx)
	line, err := r.ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("no ready line: %q %v", line, err)
	}
	if _, err := ptmx.Write([]byte{0x03}); err != nil { // VINTR's default
		t.Fatal(err)
	}
	var got strings.Builder
	for {
		line, err := r.ReadString('\n')
		// The terminal echoes ^C before the next line and turns \n into \r\n
		// (ECHOCTL, ONLCR).
		if l := strings.TrimPrefix(strings.TrimSpace(line), "^C"); l == "kernel" || l == "user" {
			got.WriteString(l + "\n")
		}
		if err != nil { // EIO once the last holder of the slave is gone
			break
		}
	}
	cmd.Wait()
	return got.String()
}

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
)

// TestSignalsReachGuest sends SIGTERM, SIGHUP, SIGINT and SIGQUIT to groot (as kill(1)
// would) and checks that the guest's trap gets each, as the same shell does when it is
// sent the signal natively; groot exits with the guest's status. The namespace engine's
// fast path and the engine with a PID namespace are covered too.
func TestSignalsReachGuest(t *testing.T) {
	if isProot {
		t.Skip("PRoot passes no signal on (Debian's 5.1: the guest runs on, never sees it)")
	}
	ms := append(modes(), mode{Name: "userns-unshare-pid", Args: []string{"--mode", "userns", "--unshare-pid"}})
	for _, c := range []struct {
		sig  syscall.Signal
		name string
	}{{syscall.SIGTERM, "TERM"}, {syscall.SIGHUP, "HUP"}, {syscall.SIGINT, "INT"}, {syscall.SIGQUIT, "QUIT"}} {
		sig, name := c.sig, c.name
		script := fmt.Sprintf(`trap 'echo got %s; exit 3' %s; echo ready; while :; do sleep 0.05; done`, name, name)
		var want string
		var wantCode int
		if os.Getuid() == 0 {
			want, wantCode = signalled(t, sig, false, "chroot", rootfs, "/usr/local/bin/asuser", fmt.Sprint(uid), fmt.Sprint(gid), "sh", "-c", script)
		} else {
			t.Skip("the native comparison needs root (chroot); CI runs as root")
		}
		if want != "ready\ngot "+name+"\n" || wantCode != 3 {
			t.Fatalf("natively the trap did not run: %q, status %d", want, wantCode)
		}
		for _, m := range ms {
			t.Run(name+"/"+m.Name, func(t *testing.T) {
				args := append(append(append([]string{}, m.Args...), "-r", rootfs), "sh", "-c", script)
				got, code := signalled(t, sig, true, append([]string{grootBin}, args...)...)
				if got != want || code != wantCode {
					t.Errorf("groot got %v: output %q, status %d; natively %q, status %d", sig, got, code, want, wantCode)
				}
			})
		}
	}
}

// signalled starts argv (as the test user when asUser and this process is root), waits
// for its first line of output, sends it sig, and returns all it wrote and its exit
// status (killed after 10 s).
func signalled(t *testing.T, sig syscall.Signal, asUser bool, argv ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
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

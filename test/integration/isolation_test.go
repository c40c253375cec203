package integration

import (
	"net"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func nsMode() mode { return mode{Name: "userns", Args: []string{"--mode", "userns"}} }

// TestUnsharePID: the guest sees its own processes only (and groot's init at PID 1),
// keeps small PIDs, exit statuses come out unchanged, and nothing it leaves behind survives.
func TestUnsharePID(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	m := nsMode()
	got := groot(t, m, []string{"--unshare-pid"}, "ps", "-o", "pid,comm")
	lines := strings.Split(strings.TrimSpace(got.Stdout), "\n")
	if got.Code != 0 || len(lines) != 3 || !strings.HasSuffix(lines[1], " groot-init") || !strings.HasSuffix(lines[2], " ps") {
		t.Errorf("ps in a PID namespace should list groot's init and ps only:\n%v", got)
	}
	host := run(t, work, nil, true, "sh", "-c", "ps -e | wc -l")
	if n := strings.TrimSpace(host.Stdout); n == "3" {
		t.Errorf("the host itself shows only %s lines of ps: the comparison proves nothing", n)
	}
	// groot's init is PID 1 and the guest PID 2 (on x86_64, where the assembled init of
	// userns/pid1 runs).
	got = groot(t, m, []string{"--unshare-pid"}, "sh", "-c", "echo $$; grep CapEff /proc/self/status")
	if got.Stdout != "2\nCapEff:\t0000000000000000\n" {
		t.Errorf("in a PID namespace the guest should be PID 2 with no capabilities: %q", got.Stdout)
	}
	// The guest inherits no descriptor of groot's or its init's (ls's own directory is
	// fd 3), as natively.
	want := native(t, []bind{{"/proc", "/proc"}}, "ls", "/proc/self/fd")
	if got := groot(t, m, []string{"--unshare-pid"}, "ls", "/proc/self/fd"); got.Stdout != want.Stdout {
		t.Errorf("descriptors in a PID namespace: %q, natively %q", got.Stdout, want.Stdout)
	}
	for script, want := range map[string]int{"true": 0, "exit 42": 42, "kill -TERM $$": 143} {
		if got := groot(t, m, []string{"--unshare-pid"}, "sh", "-c", script); got.Code != want {
			t.Errorf("%q: status %d, want %d", script, got.Code, want)
		}
	}
	got = groot(t, m, []string{"--unshare-pid", "-b", "/dev"}, "sh", "-c", "sleep 30 & sleep 31 & echo started")
	if got.Stdout != "started\n" {
		t.Errorf("%v", got)
	}
	if n := sleepers(t); n != 0 {
		t.Errorf("%d guest processes outlived groot --unshare-pid", n)
	}
}

// TestHostname: --hostname in both engines; the host's hostname is unchanged.
func TestHostname(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	before, _ := os.Hostname()
	for _, m := range modes() {
		got := groot(t, m, []string{"--hostname", "box"}, "sh", "-c", "hostname; uname -n")
		if got.Stdout != "box\nbox\n" || got.Code != 0 {
			t.Errorf("%s: %v", m.Name, got)
		}
	}
	got := groot(t, mode{Name: "ptrace", Args: []string{"--mode", "ptrace"}}, []string{"--hostname", "box"}, "sh", "-c", "hostname other && uname -n")
	if got.Stdout != "other\n" {
		t.Errorf("sethostname under the ptrace engine should change later uname answers: %v", got)
	}
	if after, _ := os.Hostname(); after != before {
		t.Errorf("the host's hostname changed from %q to %q", before, after)
	}
}

// TestUnshareNet: only lo in the guest, and a listener on the host's loopback is out of
// reach, while the same connect without the option works.
func TestUnshareNet(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello from the host\n"))
			c.Close()
		}
	}()
	port := strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")
	m := nsMode()
	dev := groot(t, m, []string{"--unshare-net", "-b", "/proc"}, "sh", "-c", "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
	if dev.Stdout != "lo\n" {
		t.Errorf("/proc/net/dev in a network namespace: %q, want only lo", dev.Stdout)
	}
	connect := []string{"sh", "-c", "nc -w 2 127.0.0.1 " + port + " </dev/null"}
	if got := groot(t, m, []string{"-b", "/dev"}, connect...); got.Stdout != "hello from the host\n" {
		t.Errorf("without --unshare-net the host listener must answer: %v", got)
	}
	if got := groot(t, m, []string{"--unshare-net", "-b", "/dev"}, connect...); got.Code == 0 || strings.Contains(got.Stdout, "hello") {
		t.Errorf("with --unshare-net the host listener must be out of reach: %v", got)
	}
}

// TestUnshareIPC: a System V shared memory segment made on the host is not in the guest's
// list.
func TestUnshareIPC(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, 4096, unix.IPC_CREAT|0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.SysvShmCtl(id, unix.IPC_RMID, nil)
	// /proc/sysvipc/shm lists the segments of the reader's IPC namespace (busybox-static
	// has no ipcs); its second column is the shmid.
	list := []string{"sh", "-c", "tail -n +2 /proc/sysvipc/shm | awk '{print $2}'"}
	key := itoa(id) + "\n"
	m := nsMode()
	if got := groot(t, m, []string{"-b", "/proc"}, list...); !strings.Contains("\n"+got.Stdout, "\n"+key) {
		t.Errorf("without --unshare-ipc the host's segment %d must be listed:\n%v", id, got)
	}
	if got := groot(t, m, []string{"--unshare-ipc", "-b", "/proc"}, list...); strings.Contains("\n"+got.Stdout, "\n"+key) || got.Code != 0 {
		t.Errorf("with --unshare-ipc the host's segment %d must not be listed:\n%v", id, got)
	}
}

// TestIsolationNeedsNamespaces: never a silent downgrade.
func TestIsolationNeedsNamespaces(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	marker := "/tmp/isolation-ran"
	os.Remove(rootfs + marker)
	got := groot(t, mode{Name: "ptrace", Args: []string{"--mode", "ptrace"}}, []string{"--unshare-net"}, "sh", "-c", "touch "+marker)
	lines := strings.Split(strings.TrimSpace(got.Stderr), "\n")
	if got.Code == 0 || len(lines) != 1 || !strings.Contains(lines[0], "--unshare-net") {
		t.Errorf("--unshare-net --mode ptrace: %v", got)
	}
	if _, err := os.Stat(rootfs + marker); err == nil {
		t.Errorf("the guest ran")
	}
	script := "echo 0 > /proc/sys/user/max_user_namespaces || exit 99\n" +
		shq(grootBin) + " --unshare-net -r " + shq(rootfs) + " touch " + marker + "; echo status=$?\n"
	got = run(t, work, nil, true, "unshare", "-r", "sh", "-c", script)
	if got.Stdout != "status=1\n" || !strings.Contains(got.Stderr, "--unshare-net needs user namespaces") {
		t.Errorf("auto mode without namespaces: %v", got)
	}
	if _, err := os.Stat(rootfs + marker); err == nil {
		t.Errorf("the guest ran")
	}
}

// TestUnshareCgroup: in a new cgroup namespace the guest's cgroup paths start at its own
// cgroup ("/"), where the host's show the full path.
func TestUnshareCgroup(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	host, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	nonRoot := false
	for _, l := range strings.Split(strings.TrimSpace(string(host)), "\n") {
		if !strings.HasSuffix(l, ":/") {
			nonRoot = true
		}
	}
	got := groot(t, nsMode(), []string{"--unshare-cgroup", "-b", "/proc"}, "cat", "/proc/self/cgroup")
	for _, l := range strings.Split(strings.TrimSpace(got.Stdout), "\n") {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("cgroup line %q in a new cgroup namespace, want a path of /", l)
		}
	}
	if got.Code != 0 || got.Stdout == "" {
		t.Errorf("%v", got)
	}
	if !nonRoot {
		t.Logf("the test runs in the root cgroup: the namespace cannot be told apart here")
	}
}

// TestUnshareAll: every namespace at once, with a generated hostname.
func TestUnshareAll(t *testing.T) {
	if isProot {
		t.Skip("groot's isolation options")
	}
	got := groot(t, nsMode(), []string{"--unshare-all"}, "sh", "-c", "hostname; echo $$; tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
	lines := strings.Split(got.Stdout, "\n")
	if got.Code != 0 || len(lines) < 3 || !strings.HasPrefix(lines[0], "groot-") || len(lines[0]) != len("groot-")+8 || lines[1] != "2" || lines[2] != "lo" {
		t.Errorf("--unshare-all: %v", got)
	}
	got = groot(t, nsMode(), []string{"--unshare-all", "--hostname", "named"}, "hostname")
	if got.Stdout != "named\n" {
		t.Errorf("--unshare-all --hostname named: %v", got)
	}
}

// Package integration runs groot as an unprivileged user on the busybox fixture and
// compares every result with the same command run natively (chroot, as root).
package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/groot-sandbox/groot/test/fixtures"
)

// testUser is the unprivileged user groot runs as when the tests run as root.
const testUser = "groot-test"

var (
	grootBin string
	rootfs   string
	uid, gid int
	isProot  bool
	work     string // a scratch directory the test user can use
)

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

func setup(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "integration setup: "+format+"\n", args...)
		return 1
	}
	uid, gid = os.Getuid(), os.Getgid()
	if uid == 0 {
		if _, err := user.Lookup(testUser); err != nil {
			if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", testUser).CombinedOutput(); err != nil {
				return fail("useradd %s: %v\n%s", testUser, err, out)
			}
		}
		u, err := user.Lookup(testUser)
		if err != nil {
			return fail("%v", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
	}
	var err error
	work, err = os.MkdirTemp("", "groot-it-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(work)
	os.Chmod(work, 0o755)
	grootBin = os.Getenv("GROOT_BIN")
	if grootBin == "" {
		grootBin = filepath.Join(work, "groot")
		cmd := exec.Command("go", "build", "-o", grootBin, "./cmd/groot")
		cmd.Dir = fixtures.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fail("build groot: %v\n%s", err, out)
		}
	}
	isProot = strings.Contains(filepath.Base(grootBin), "proot")
	rootfs = filepath.Join(fixtures.RepoRoot(), "test", ".cache", "busybox")
	if err := fixtures.Busybox(rootfs); err != nil {
		return fail("busybox fixture: %v", err)
	}
	if err := fixtures.Chown(rootfs, uid, gid); err != nil {
		return fail("chown fixture: %v", err)
	}
	// The test user must reach the rootfs: open up the directories above it.
	for d := filepath.Dir(rootfs); d != "/"; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil {
			os.Chmod(d, st.Mode().Perm()|0o005)
		}
	}
	return m.Run()
}

// mode is one engine the suite runs every case under.
type mode struct {
	name string
	args []string
	env  []string
}

func modes() []mode {
	if isProot {
		return []mode{{name: "proot"}}
	}
	all := []mode{
		{name: "ptrace", args: []string{"--mode", "ptrace"}},
		{name: "ptrace-noseccomp", args: []string{"--mode", "ptrace"}, env: []string{"GROOT_NO_SECCOMP=1"}},
		{name: "userns", args: []string{"--mode", "userns"}},
	}
	want := os.Getenv("GROOT_MODES")
	if want == "" {
		want = defaultModes
	}
	var out []mode
	for _, m := range all {
		for _, w := range strings.Split(want, ",") {
			if m.name == w {
				out = append(out, m)
			}
		}
	}
	return out
}

// result is what a command printed and how it ended.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

func run(t *testing.T, dir string, env []string, cred bool, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + work, "LANG=C"}, env...)
	if cred && os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s %v: %v", name, args, err)
		}
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	return result{out.String(), errb.String(), code}
}

// groot runs groot as the unprivileged test user, with -r ROOTFS and opts.
func groot(t *testing.T, m mode, opts []string, cmd ...string) result {
	t.Helper()
	args := append(append(append([]string{}, m.args...), "-r", rootfs), opts...)
	return run(t, work, m.env, true, grootBin, append(args, cmd...)...)
}

// bind is a host path made visible at a guest path.
type bind struct{ host, guest string }

// native runs cmd in the rootfs with chroot as the test user, with binds made by real bind
// mounts in a private mount namespace. It needs root.
func native(t *testing.T, binds []bind, cmd ...string) result {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("the native comparison needs root (chroot and bind mounts); CI runs as root")
	}
	var script strings.Builder
	for _, b := range binds {
		fmt.Fprintf(&script, "mount --bind %s %s || exit 99\n", shq(b.host), shq(filepath.Join(rootfs, b.guest)))
	}
	fmt.Fprintf(&script, "exec chroot --userspec=%d:%d %s", uid, gid, shq(rootfs))
	for _, a := range cmd {
		script.WriteString(" " + shq(a))
	}
	return run(t, work, nil, false, "unshare", "--mount", "--propagation", "private", "sh", "-c", script.String())
}

// same checks that groot's result equals native's.
func same(t *testing.T, got, want result) {
	t.Helper()
	if got.stdout != want.stdout || got.code != want.code {
		t.Errorf("groot and native differ\n--- groot:\n%v\n--- native:\n%v", got, want)
	}
}

// shq quotes s for sh.
func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Package harness is what the integration suites share: the unprivileged test user, a
// groot binary, the engine modes, and running a command with its output and status.
package harness

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

	"github.com/groot-sandbox/groot/test/fixtures"
)

// TestUser is the unprivileged user groot runs as when the tests run as root.
const TestUser = "groot-test"

// User returns the uid and gid groot must run as: the test user (created if missing) when
// the tests run as root, else the caller.
func User() (uid, gid int, err error) {
	if os.Getuid() != 0 {
		return os.Getuid(), os.Getgid(), nil
	}
	if _, err := user.Lookup(TestUser); err != nil {
		if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", TestUser).CombinedOutput(); err != nil {
			return 0, 0, fmt.Errorf("useradd %s: %v\n%s", TestUser, err, out)
		}
	}
	u, err := user.Lookup(TestUser)
	if err != nil {
		return 0, 0, err
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

// Groot returns the groot binary to test: $GROOT_BIN, or a fresh build in dir.
func Groot(dir string) (string, error) {
	if bin := os.Getenv("GROOT_BIN"); bin != "" {
		return bin, nil
	}
	bin := filepath.Join(dir, "groot")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/groot")
	cmd.Dir = fixtures.RepoRoot()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build groot: %v\n%s", err, out)
	}
	return bin, nil
}

// IsProot reports whether the binary under test is PRoot (the suites validate themselves
// against it).
func IsProot(bin string) bool { return strings.Contains(filepath.Base(bin), "proot") }

// Mode is one engine a suite runs every case under.
type Mode struct {
	Name string
	Args []string
	Env  []string
}

// Modes lists the engines to run: $GROOT_MODES (comma-separated) or all three; a single
// mode without options for PRoot.
func Modes(bin string) []Mode {
	if IsProot(bin) {
		return []Mode{{Name: "proot"}}
	}
	all := []Mode{
		{Name: "ptrace", Args: []string{"--mode", "ptrace"}},
		{Name: "ptrace-noseccomp", Args: []string{"--mode", "ptrace"}, Env: []string{"GROOT_NO_SECCOMP=1"}},
		{Name: "userns", Args: []string{"--mode", "userns"}},
	}
	want := os.Getenv("GROOT_MODES")
	if want == "" {
		return all
	}
	var out []Mode
	for _, m := range all {
		if strings.Contains(","+want+",", ","+m.Name+",") {
			out = append(out, m)
		}
	}
	return out
}

// Result is what a command printed and how it ended (128+N when killed by signal N).
type Result struct {
	Stdout, Stderr string
	Code           int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
}

// Run runs name with args in dir, with a small fixed environment plus env, as uid:gid
// when asUser is set and the caller is root.
func Run(dir string, env []string, asUser bool, uid, gid int, name string, args ...string) (Result, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + dir, "LANG=C"}, env...)
	if asUser && os.Getuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			return Result{}, fmt.Errorf("%s %q: %w", name, args, err)
		}
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	return Result{out.String(), errb.String(), code}, nil
}

// Shq quotes s for sh.
func Shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Package debian is the slow tier of the integration tests: a Debian minbase rootfs with
// gcc, make and python3 (built once with debootstrap and cached in test/.cache), real
// programs run by groot as an unprivileged user, each compared with a native run (chroot).
package debian

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

var (
	grootBin string
	rootfs   string
	uid, gid int
)

func TestMain(m *testing.M) { os.Exit(setup(m)) }

func setup(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "debian tier setup: "+format+"\n", args...)
		return 1
	}
	if os.Getuid() != 0 {
		return fail("needs root: debootstrap builds the rootfs and the native runs use chroot (CI runs as root)")
	}
	if _, err := user.Lookup("groot-test"); err != nil {
		if out, err := exec.Command("useradd", "-m", "-s", "/bin/sh", "groot-test").CombinedOutput(); err != nil {
			return fail("useradd: %v\n%s", err, out)
		}
	}
	u, err := user.Lookup("groot-test")
	if err != nil {
		return fail("%v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	dir, err := os.MkdirTemp("", "groot-debian-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	grootBin = os.Getenv("GROOT_BIN")
	if grootBin == "" {
		grootBin = filepath.Join(dir, "groot")
		cmd := exec.Command("go", "build", "-o", grootBin, "./cmd/groot")
		cmd.Dir = fixtures.RepoRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fail("build groot: %v\n%s", err, out)
		}
	}
	rootfs, err = fixtures.Debian(filepath.Join(fixtures.RepoRoot(), "test", ".cache"))
	if err != nil {
		return fail("%v", err)
	}
	// Owned by the test user, as if that user had unpacked it.
	if err := fixtures.Chown(rootfs, uid, gid); err != nil {
		return fail("chown: %v", err)
	}
	return m.Run()
}

type result struct {
	stdout string
	code   int
}

func run(t *testing.T, env []string, cred bool, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = "/"
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "LANG=C"}, env...)
	if cred {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Logf("%s %q: exit %d, stderr:\n%s", name, args, code, errb.String())
	}
	return result{out.String(), code}
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// native runs a shell command in the rootfs with chroot, as the test user.
func native(t *testing.T, script string) result {
	return run(t, nil, false, "chroot", "--userspec="+strconv.Itoa(uid)+":"+strconv.Itoa(gid), rootfs, "sh", "-c", script)
}

type mode struct {
	name string
	args []string
	env  []string
}

func modes() []mode {
	if strings.Contains(filepath.Base(grootBin), "proot") {
		return []mode{{name: "proot"}}
	}
	all := []mode{
		{"ptrace", []string{"--mode", "ptrace"}, nil},
		{"ptrace-noseccomp", []string{"--mode", "ptrace"}, []string{"GROOT_NO_SECCOMP=1"}},
		{"userns", []string{"--mode", "userns"}, nil},
	}
	want := os.Getenv("GROOT_MODES")
	if want == "" {
		return all
	}
	var out []mode
	for _, m := range all {
		if strings.Contains(","+want+",", ","+m.name+",") {
			out = append(out, m)
		}
	}
	return out
}

func TestDebian(t *testing.T) {
	cases := []struct{ name, script string }{
		{"apt-and-dpkg", "apt-cache policy >/dev/null && dpkg -l | wc -l"},
		{"python3", "python3 -c 'import json, sqlite3; print(1)'"},
		{"gcc-hello", `d=$(mktemp -d) && cd $d && printf '#include <stdio.h>\nint main(void){puts("hello, world");return 0;}\n' > h.c && gcc -o h h.c && ./h; rm -rf $d`},
		{"make-j2", "d=$(mktemp -d) && cp -r /proj/. $d && cd $d && make -s -j2 && ./prog; rm -rf $d"},
		{"find-usr", "find /usr | wc -l"},
		{"tar-usr-lib", "tar cf - /usr/lib/x86_64-linux-gnu 2>/dev/null | wc -c"},
		{"tar-roundtrip-symlinks", "d=$(mktemp -d) && cd $d && tar cf a.tar -C /usr/lib/x86_64-linux-gnu . 2>/dev/null && mkdir x && tar xf a.tar -C x && find x -type l | wc -l && ls -l x/libc.so.6 | sed 's/.*-> //'; rm -rf $d"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := native(t, c.script)
			if want.code != 0 {
				t.Fatalf("the native run failed: %+v", want)
			}
			for _, m := range modes() {
				t.Run(m.name, func(t *testing.T) {
					args := append(append(append([]string{}, m.args...), "-r", rootfs), "sh", "-c", c.script)
					got := run(t, m.env, true, grootBin, args...)
					if got != want {
						t.Errorf("groot %+v, native %+v", got, want)
					}
				})
			}
		})
	}
}

// Package debian is the slow tier of the integration tests: a Debian minbase rootfs with
// gcc, make and python3 (built once with debootstrap and cached in test/.cache), real
// programs run by groot as an unprivileged user, each compared with a native run (chroot).
package debian

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/groot-sandbox/groot/test/fixtures"
	"github.com/groot-sandbox/groot/test/harness"
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
	var err error
	if uid, gid, err = harness.User(); err != nil {
		return fail("%v", err)
	}
	if grootBin, err = binary(); err != nil {
		return fail("%v", err)
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

// binary is the groot under test: $GROOT_BIN, else <repo>/bin/groot (what make build
// writes), built with go build when missing. A present bin/groot is used as it is, so
// run make build after changing the engines.
func binary() (string, error) {
	if bin := os.Getenv("GROOT_BIN"); bin != "" {
		return bin, nil
	}
	dir := filepath.Join(fixtures.RepoRoot(), "bin")
	bin := filepath.Join(dir, "groot")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return harness.Groot(dir)
}

func run(t *testing.T, env []string, asUser bool, name string, args ...string) harness.Result {
	t.Helper()
	r, err := harness.Run("/", env, asUser, uid, gid, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != 0 {
		t.Logf("%s %q: exit %d, stderr:\n%s", name, args, r.Code, r.Stderr)
	}
	// Only what the tier compares: output and status.
	r.Stderr = ""
	return r
}

// native runs a shell command in the rootfs with chroot, as root: what the guest sees
// without any sandbox.
func native(t *testing.T, script string) harness.Result {
	return run(t, nil, false, "chroot", rootfs, "sh", "-c", script)
}

func TestDebian(t *testing.T) {
	// expect, when set, is what the native run itself must print, so that a broken
	// fixture cannot pass by making both sides fail alike.
	cases := []struct{ name, script, expect string }{
		{"apt-and-dpkg", "apt-cache policy >/dev/null && dpkg -l | wc -l", ""},
		{"python3", "python3 -c 'import json, sqlite3; print(1)'", "1\n"},
		{"gcc-hello", `d=$(mktemp -d) && cd $d && printf '#include <stdio.h>\nint main(void){puts("hello, world");return 0;}\n' > h.c && gcc -o h h.c && ./h; rm -rf $d`, "hello, world\n"},
		{"make-j2", "d=$(mktemp -d) && cp /proj/*.c /proj/Makefile $d && cd $d && make -s -j2 && ./prog; rm -rf $d", fixtures.ProjectOutput() + "\n"},
		{"find-usr", "find /usr | wc -l", ""},
		{"tar-usr-lib", "tar cf - /usr/lib/x86_64-linux-gnu 2>/dev/null | wc -c", ""},
		{"tar-roundtrip-symlinks", "d=$(mktemp -d) && cd $d && tar cf a.tar -C /usr/lib/x86_64-linux-gnu . 2>/dev/null && mkdir x && tar xf a.tar -C x && find x -type l | wc -l && ls -l x/libc.so.6 | sed 's/.*-> //'; rm -rf $d", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := native(t, c.script)
			if want.Code != 0 {
				t.Fatalf("the native run failed: %+v", want)
			}
			if c.expect != "" && want.Stdout != c.expect {
				t.Fatalf("the native run printed %q, want %q", want.Stdout, c.expect)
			}
			for _, m := range harness.Modes(grootBin) {
				t.Run(m.Name, func(t *testing.T) {
					args := append(append(append([]string{}, m.Args...), "-r", rootfs), "sh", "-c", c.script)
					got := run(t, m.Env, true, grootBin, args...)
					if got != want {
						t.Errorf("groot %+v, native %+v", got, want)
					}
				})
			}
		})
	}
}

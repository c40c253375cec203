// Package debian is the slow tier of the integration tests: a Debian minbase rootfs with
// gcc, make and python3 (built once with debootstrap and cached in test/.cache), real
// programs run by groot as an unprivileged user, each compared with a native run (chroot).
package debian

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
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
	dir, err := os.MkdirTemp("", "groot-debian-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	if grootBin, err = harness.Groot(dir); err != nil {
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

// native runs a shell command in the rootfs with chroot, as the test user.
func native(t *testing.T, script string) harness.Result {
	return run(t, nil, false, "chroot", "--userspec="+strconv.Itoa(uid)+":"+strconv.Itoa(gid), rootfs, "sh", "-c", script)
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
			if want.Code != 0 {
				t.Fatalf("the native run failed: %+v", want)
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

// Package integration runs groot as an unprivileged user on the busybox fixture and
// compares every result with the same command run natively (chroot, as root).
package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groot-sandbox/groot/test/fixtures"
	"github.com/groot-sandbox/groot/test/harness"
)

// testUser is the unprivileged user groot runs as when the tests run as root.
const testUser = harness.TestUser

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
	var err error
	if uid, gid, err = harness.User(); err != nil {
		return fail("%v", err)
	}
	work, err = os.MkdirTemp("", "groot-it-")
	if err != nil {
		return fail("%v", err)
	}
	defer os.RemoveAll(work)
	os.Chmod(work, 0o755)
	if grootBin, err = harness.Groot(work); err != nil {
		return fail("%v", err)
	}
	isProot = harness.IsProot(grootBin)
	// In the arm64 VM (make test-arm64) the fixture comes prebuilt by the host.
	if rootfs = os.Getenv("GROOT_TEST_ROOTFS"); rootfs == "" {
		rootfs = filepath.Join(fixtures.RepoRoot(), "test", ".cache", "busybox")
		if err := fixtures.Busybox(rootfs); err != nil {
			return fail("busybox fixture: %v", err)
		}
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

type (
	mode   = harness.Mode
	result = harness.Result
)

func modes() []mode { return harness.Modes(grootBin) }

func run(t *testing.T, dir string, env []string, cred bool, name string, args ...string) result {
	t.Helper()
	r, err := harness.Run(dir, env, cred, uid, gid, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// groot runs groot as the unprivileged test user, with -r ROOTFS and opts.
func groot(t *testing.T, m mode, opts []string, cmd ...string) result {
	t.Helper()
	args := append(append(append([]string{}, m.Args...), "-r", rootfs), opts...)
	return run(t, work, m.Env, true, grootBin, append(args, cmd...)...)
}

// bind is a host path made visible at a guest path.
type bind struct{ host, guest string }

// native runs cmd in the rootfs with chroot as the test user, with binds made by real bind
// mounts in a private mount namespace. It needs root.
func native(t *testing.T, binds []bind, cmd ...string) result {
	t.Helper()
	return nativeAs(t, uid, gid, binds, cmd...)
}

// nativeAs is native with the command run as u:g (0:0 for the fake-root comparisons).
func nativeAs(t *testing.T, u, g int, binds []bind, cmd ...string) result {
	t.Helper()
	if os.Getuid() != 0 {
		t.Skip("the native comparison needs root (chroot and bind mounts); CI runs as root")
	}
	var script strings.Builder
	for _, b := range binds {
		fmt.Fprintf(&script, "mount --bind %s %s || exit 99\n", shq(b.host), shq(filepath.Join(rootfs, b.guest)))
	}
	// asuser (a fixture program) drops to u:g inside the chroot: busybox's chroot, which
	// the arm64 VM has, lacks coreutils' --userspec.
	fmt.Fprintf(&script, "exec chroot %s /usr/local/bin/asuser %d %d", shq(rootfs), u, g)
	for _, a := range cmd {
		script.WriteString(" " + shq(a))
	}
	return run(t, work, nil, false, "unshare", "--mount", "--propagation", "private", "sh", "-c", script.String())
}

// needs stops a case that needs something this machine lacks: in the arm64 VM
// (GROOT_TEST_VM set, see test/arm64) the case is skipped, anywhere else it fails, so
// that a core case can never be skipped by default.
func needs(t *testing.T, what string, have bool) {
	t.Helper()
	if have {
		return
	}
	if os.Getenv("GROOT_TEST_VM") != "" {
		t.Skipf("the test VM has no %s", what)
	}
	t.Fatalf("%s is needed (bash .ci/run installs what the tests need)", what)
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// same checks that groot's result equals native's.
func same(t *testing.T, got, want result) {
	t.Helper()
	if got.Stdout != want.Stdout || got.Code != want.Code {
		t.Errorf("groot and native differ\n--- groot:\n%v\n--- native:\n%v", got, want)
	}
}

var shq = harness.Shq

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCwdMatchesProot checks the initial directory that parse picks against the one that
// PRoot (the reference) gives the same command line from the same host directory: proot
// runs a static busybox's pwd in a small rootfs. It runs proot, not groot, so it needs no
// test user.
func TestCwdMatchesProot(t *testing.T) {
	proot, err := exec.LookPath("proot")
	if err != nil {
		t.Skip("proot is not installed (.ci/run installs it)")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox is not installed (.ci/run installs busybox-static)")
	}
	root := testRootfs(t)
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	// inGuest exists on the host and, under the same path, in the guest; hostOnly only on
	// the host; bound is shown at /mnt by -b.
	inGuest := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, inGuest, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(inGuest, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	hostOnly := t.TempDir()
	bound := t.TempDir()
	if err := os.Mkdir(filepath.Join(bound, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		dir  string
		opts []string
	}{
		{inGuest, nil},
		{filepath.Join(inGuest, "sub"), nil},
		{hostOnly, nil},
		{filepath.Join(root, "work"), nil},
		{filepath.Join(bound, "in"), []string{"-b", bound + ":/mnt"}},
		{hostOnly, []string{"-w", "/work/sub"}},
		{hostOnly, []string{"-w", "/ln"}},
		{hostOnly, []string{"-w", "/nope"}},
		{hostOnly, []string{"-w", "/bin/busybox"}},
		{inGuest, []string{"-w", "sub"}},
		{inGuest, []string{"-w", ".."}},
		{hostOnly, []string{"-w", "sub"}},
		{"/", []string{"-w", "work/../ln/sub"}},
		{"/", []string{"--cwd=etc"}},
	} {
		args := append(append([]string{"-r", root}, c.opts...), "/bin/busybox", "pwd")
		cmd := exec.Command(proot, args...)
		cmd.Dir = c.dir
		// No PWD: busybox pwd prints getcwd(2), what the guest really has.
		cmd.Env = []string{"PATH=/bin"}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("proot %q from %s: %v", args, c.dir, err)
		}
		want := strings.TrimSuffix(string(out), "\n")
		cfg, err := parse(args, cmd.Env, c.dir)
		if err != nil {
			t.Errorf("parse(%q) from %s: %v", args, c.dir, err)
			continue
		}
		if cfg.Cwd != want {
			t.Errorf("from %s, %q: groot starts in %s, proot in %s", c.dir, c.opts, cfg.Cwd, want)
		}
		// $PWD as the guest finds it, with the caller's (a host path) in the environment.
		args = append(append([]string{"-r", root}, c.opts...), "/bin/busybox", "sh", "-c", "echo $PWD")
		cmd = exec.Command(proot, args...)
		cmd.Dir = c.dir
		cmd.Env = []string{"PATH=/bin", "PWD=" + c.dir}
		out, err = cmd.Output()
		if err != nil {
			t.Fatalf("proot %q from %s: %v", args, c.dir, err)
		}
		cfg, err = parse(args, cmd.Env, c.dir)
		if err != nil {
			t.Fatalf("parse(%q) from %s: %v", args, c.dir, err)
		}
		if got, _ := envValue(cfg.Env, "PWD"); got+"\n" != string(out) {
			t.Errorf("from %s, %q: groot gives the guest PWD=%s, proot PWD=%s", c.dir, c.opts, got, strings.TrimSuffix(string(out), "\n"))
		}
	}
}

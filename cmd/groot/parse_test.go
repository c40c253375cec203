package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func testRootfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"bin", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestParse(t *testing.T) {
	root := testRootfs(t)
	env := []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent-home"}
	cases := []struct {
		name    string
		args    []string
		check   func(t *testing.T, c *cfgView)
		wantErr string
	}{
		{name: "short rootfs", args: []string{"-r", root, "tool", "-x"}, check: func(t *testing.T, c *cfgView) {
			c.want(t, "/bin/tool", "tool", []string{"-x"}, "/")
		}},
		{name: "long rootfs with =", args: []string{"--rootfs=" + root, "/bin/tool"}, check: func(t *testing.T, c *cfgView) {
			c.want(t, "/bin/tool", "/bin/tool", nil, "/")
		}},
		{name: "long rootfs with space", args: []string{"--rootfs", root, "tool"}},
		{name: "options stop at the command", args: []string{"-r", root, "tool", "-w", "/tmp"}, check: func(t *testing.T, c *cfgView) {
			c.want(t, "/bin/tool", "tool", []string{"-w", "/tmp"}, "/")
		}},
		{name: "double dash", args: []string{"-r", root, "--", "tool"}},
		{name: "cwd", args: []string{"-r", root, "-w", "/tmp", "tool"}, check: func(t *testing.T, c *cfgView) { c.want(t, "/bin/tool", "tool", nil, "/tmp") }},
		{name: "pwd spelling", args: []string{"-r", root, "--pwd=/etc", "tool"}, check: func(t *testing.T, c *cfgView) { c.want(t, "/bin/tool", "tool", nil, "/etc") }},
		{name: "missing cwd falls back to /", args: []string{"-r", root, "-w", "/nope", "tool"}, check: func(t *testing.T, c *cfgView) { c.want(t, "/bin/tool", "tool", nil, "/") }},
		{name: "default login shell", args: []string{"-r", root}, check: func(t *testing.T, c *cfgView) { c.want(t, "/bin/sh", "-sh", nil, "/") }},
		{name: "bind and mount keep order", args: []string{"-r", root, "-b", root + "/etc:/x", "-m", root + "/tmp:/x", "tool"}, check: func(t *testing.T, c *cfgView) {
			if h, _ := c.Table.GuestToHost("/x"); h != root+"/tmp" {
				t.Errorf("/x -> %s, want the later -m", h)
			}
		}},
		{name: "root id", args: []string{"-0", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 0 || c.GID != 0 {
				t.Errorf("-0: %+v", c.Config)
			}
		}},
		{name: "change id", args: []string{"-i", "123:456", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 123 || c.GID != 456 {
				t.Errorf("-i: %+v", c.Config)
			}
		}},
		{name: "kernel release and verbose", args: []string{"-k", "4.99.0", "-v", "2", "--kill-on-exit", "--mode", "ptrace", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.KernelRelease != "4.99.0" || c.Verbose != 2 || !c.KillOnExit || c.Mode != "ptrace" {
				t.Errorf("%+v", c.Config)
			}
		}},
		{name: "-R preset", args: []string{"-R", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if h, _ := c.Table.GuestToHost("/proc/self"); h != "/proc/self" {
				t.Errorf("-R does not bind /proc: %s", h)
			}
		}},
		{name: "-S preset implies -0", args: []string{"-S", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 0 {
				t.Errorf("-S without -0: %+v", c.Config)
			}
		}},
		{name: "empty host side", args: []string{"-r", root, "-b", ":/x", "tool"}, wantErr: "empty host path"},
		{name: "empty guest side", args: []string{"-r", root, "-b", "/tmp:", "tool"}, wantErr: "empty guest path"},
		{name: "missing host path", args: []string{"-r", root, "-b", "/does/not/exist:/x", "tool"}, wantErr: "/does/not/exist"},
		{name: "bad change id", args: []string{"-i", "abc", "-r", root, "tool"}, wantErr: `-i "abc"`},
		{name: "missing rootfs", args: []string{"-r", "/does/not/exist", "tool"}, wantErr: "rootfs /does/not/exist"},
		{name: "bad mode", args: []string{"--mode", "bogus", "-r", root, "tool"}, wantErr: "--mode"},
		{name: "bad verbose", args: []string{"-v", "x", "-r", root, "tool"}, wantErr: "verbose"},
		{name: "unknown option", args: []string{"--frobnicate", "-r", root, "tool"}, wantErr: "frobnicate"},
		{name: "command not found", args: []string{"-r", root, "nosuchtool"}, wantErr: "command not found in the guest: nosuchtool"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := parse(c.args, env, "/")
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("parse(%q) error = %v, want one mentioning %q", c.args, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse(%q): %v", c.args, err)
			}
			if c.check != nil {
				c.check(t, &cfgView{cfg})
			}
		})
	}
}

// TestBadInputExits runs the real binary: one clear line, non-zero status.
func TestBadInputExits(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "groot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	root := testRootfs(t)
	for _, args := range [][]string{
		{"-r", root, "-b", ":/x", "tool"},
		{"-i", "abc", "-r", root, "tool"},
		{"-r", "/does/not/exist", "tool"},
		{"--mode", "bogus", "tool"},
		{"-r", root, "nosuchtool"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if err == nil || len(lines) != 1 || !strings.HasPrefix(lines[0], "groot: ") {
			t.Errorf("groot %q: err %v, output %q; want a non-zero exit and one groot: line", args, err, out)
		}
	}
	help, err := exec.Command(bin, "--help").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []string{"--rootfs", "--bind", "--mount", "--cwd", "--pwd", "-R", "-S", "--root-id", "--change-id", "--kernel-release", "--verbose", "--version", "--help", "--kill-on-exit", "--mode"} {
		if !strings.Contains(string(help), opt) {
			t.Errorf("--help does not list %s", opt)
		}
	}
}

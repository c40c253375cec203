package binfmt

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/groot-sandbox/groot/bindings"
	"github.com/groot-sandbox/groot/pathmap"
	"golang.org/x/sys/unix"
)

func TestParseShebang(t *testing.T) {
	long := make([]byte, binprmBufSize)
	copy(long, "#!/bin/")
	for i := 7; i < len(long); i++ {
		long[i] = 'x'
	}
	cases := []struct {
		head, interp, arg string
		err               error
	}{
		{"#!/bin/sh\n", "/bin/sh", "", nil},
		{"#! /bin/sh -e\n", "/bin/sh", "-e", nil},
		{"#!/usr/bin/env python3 -u  \n", "/usr/bin/env", "python3 -u", nil},
		{"#!/bin/sh\t-x\n", "/bin/sh", "-x", nil},
		{"#!\n", "", "", unix.ENOEXEC},
		{"#!        \n", "", "", unix.ENOEXEC},
		{string(long), "", "", unix.ENOEXEC},
	}
	for _, c := range cases {
		interp, arg, err := parseShebang([]byte(c.head))
		if interp != c.interp || arg != c.arg || err != c.err {
			t.Errorf("parseShebang(%q) = %q, %q, %v; want %q, %q, %v", c.head, interp, arg, err, c.interp, c.arg, c.err)
		}
	}
}

func TestPrepare(t *testing.T) {
	root := t.TempDir()
	mk := func(name, content string, mode os.FileMode) {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("a static busybox is needed: %v", err)
	}
	mk("bin/busybox", string(bb), 0o755)
	os.Symlink("busybox", filepath.Join(root, "bin/sh"))
	mk("s1", "#!/s2 opt\n", 0o755)
	mk("s2", "#!/bin/sh\n", 0o755)
	mk("loop", "#!/loop\n", 0o755)
	mk("noexec", "#!/bin/sh\n", 0o644)
	mk("junk", "junk\n", 0o755)
	mk("badinterp", "#!/nowhere\n", 0o755)
	os.MkdirAll(filepath.Join(root, "dir"), 0o755)
	tb, err := bindings.New(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &pathmap.Resolver{Table: tb}
	plan, err := Prepare(r, "/", "/s1", []string{"s1", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Argv; len(got) != 5 || got[0] != "/bin/sh" || got[1] != "/s2" || got[2] != "opt" || got[3] != "/s1" || got[4] != "a" {
		t.Errorf("nested shebang argv = %q", got)
	}
	if plan.Guest != "/bin/busybox" || plan.InterpHost != "" || plan.Comm != "s1" || !plan.Changed {
		t.Errorf("plan = %+v", plan)
	}
	for path, want := range map[string]error{
		"/loop": unix.ELOOP, "/noexec": unix.EACCES, "/junk": unix.ENOEXEC, "/badinterp": unix.ENOENT,
		"/dir": unix.EACCES, "/missing": unix.ENOENT, "/junk/x": unix.ENOTDIR, "": unix.ENOENT,
	} {
		if _, err := Prepare(r, "/", path, []string{path}); err != want {
			t.Errorf("Prepare(%q) error %v, want %v", path, err, want)
		}
	}
}

func TestReadELF(t *testing.T) {
	e, err := ReadELF("/bin/busybox")
	if err != nil || e.Interp != "" || len(e.Loads) == 0 {
		t.Errorf("static busybox: %+v %v", e, err)
	}
	e, err = ReadELF("/bin/ls")
	if err != nil || e.Interp == "" || !e.Dynamic || e.Phnum == 0 || e.PhdrVaddr == 0 {
		t.Errorf("dynamic ls: %+v %v", e, err)
	}
	if _, err := ReadELF("/etc/passwd"); err != unix.ENOEXEC {
		t.Errorf("a text file: %v, want ENOEXEC", err)
	}
}

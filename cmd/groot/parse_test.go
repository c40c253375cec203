package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/groot-sandbox/groot/config"
	"github.com/spf13/pflag"
)

// testRootfs makes a small guest tree: /bin/tool (executable), /bin/plain (not
// executable), /usr/bin/tool (shadowed by nothing: /bin comes later in the test PATH),
// /etc, /tmp, /work/sub and /ln -> work.
func testRootfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"bin", "tmp", "etc", "usr/bin", "work/sub"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, mode := range map[string]os.FileMode{"bin/tool": 0o755, "usr/bin/tool": 0o755, "bin/plain": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("work", filepath.Join(dir, "ln")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func hostPath(t *testing.T, c *cfgView, guest string) string {
	t.Helper()
	h, _ := c.Table.GuestToHost(guest)
	return h
}

func TestParse(t *testing.T) {
	root := testRootfs(t)
	other := testRootfs(t)
	home := t.TempDir()
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C"}
	cmdIs := func(cmd0, argv0 string, rest []string, cwd string) func(*testing.T, *cfgView) {
		return func(t *testing.T, c *cfgView) { c.want(t, cmd0, argv0, rest, cwd) }
	}
	cases := []struct {
		name    string
		args    []string
		cwd     string // the host's current directory; "/" when empty
		check   func(t *testing.T, c *cfgView)
		wantErr string
	}{
		// -r in every spelling; the command is looked up in the guest's PATH.
		{name: "-r DIR", args: []string{"-r", root, "tool", "-x"}, check: cmdIs("/usr/bin/tool", "tool", []string{"-x"}, "/")},
		{name: "--rootfs=DIR", args: []string{"--rootfs=" + root, "/bin/tool"}, check: cmdIs("/bin/tool", "/bin/tool", nil, "/")},
		{name: "--rootfs DIR", args: []string{"--rootfs", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Table.Rootfs() != root {
				t.Errorf("rootfs %s, want %s", c.Table.Rootfs(), root)
			}
		}},
		{name: "-rDIR", args: []string{"-r" + root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Table.Rootfs() != root {
				t.Errorf("rootfs %s, want %s", c.Table.Rootfs(), root)
			}
		}},
		{name: "default rootfs is /", args: []string{"/bin/true"}, check: func(t *testing.T, c *cfgView) {
			if c.Table.Rootfs() != "/" {
				t.Errorf("rootfs %s, want /", c.Table.Rootfs())
			}
		}},
		{name: "later -r wins", args: []string{"-r", other, "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Table.Rootfs() != root {
				t.Errorf("rootfs %s, want the later %s", c.Table.Rootfs(), root)
			}
		}},
		{name: "-b HOST:/ after -r is the rootfs", args: []string{"-r", root, "-b", other + ":/", "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Table.Rootfs() != other {
				t.Errorf("rootfs %s, want %s", c.Table.Rootfs(), other)
			}
		}},
		{name: "-r after -b HOST:/ is the rootfs", args: []string{"-b", other + ":/", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Table.Rootfs() != root {
				t.Errorf("rootfs %s, want %s", c.Table.Rootfs(), root)
			}
		}},

		// Where options stop.
		{name: "options stop at the command", args: []string{"-r", root, "tool", "-w", "/tmp"}, check: cmdIs("/usr/bin/tool", "tool", []string{"-w", "/tmp"}, "/")},
		{name: "-- ends the options", args: []string{"-r", root, "--", "tool", "-r", "x"}, check: cmdIs("/usr/bin/tool", "tool", []string{"-r", "x"}, "/")},
		{name: "-- before an option-like command", args: []string{"-r", root, "--", "-w"}, wantErr: "command not found in the guest: -w"},
		{name: "default login shell", args: []string{"-r", root}, check: cmdIs("/bin/sh", "-sh", nil, "/")},
		{name: "default login shell after --", args: []string{"-r", root, "--"}, check: cmdIs("/bin/sh", "-sh", nil, "/")},

		// -w in every spelling.
		{name: "-w DIR", args: []string{"-r", root, "-w", "/tmp", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/tmp")},
		{name: "--cwd=DIR", args: []string{"-r", root, "--cwd=/etc", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/etc")},
		{name: "--cwd DIR", args: []string{"-r", root, "--cwd", "/work", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/work")},
		{name: "--pwd=DIR", args: []string{"-r", root, "--pwd=/work/sub", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/work/sub")},
		{name: "-w through a guest symlink", args: []string{"-r", root, "-w", "/ln/sub", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/work/sub")},
		{name: "-w relative from the current directory", args: []string{"-r", root, "-w", "work", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/work")},
		{name: "-w missing falls back to /", args: []string{"-r", root, "-w", "/nope", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/")},
		{name: "-w relative from a guest directory", args: []string{"-r", root, "-w", "../../ln", "tool"}, cwd: "/work/sub", check: cmdIs("/usr/bin/tool", "tool", nil, "/work")},
		{name: "current directory kept by path", args: []string{"-r", root, "tool"}, cwd: "/work/sub", check: cmdIs("/usr/bin/tool", "tool", nil, "/work/sub")},
		{name: "current directory missing from the guest", args: []string{"-r", root, "tool"}, cwd: "/proc", check: cmdIs("/usr/bin/tool", "tool", nil, "/")},
		{name: "current directory inside the rootfs is not mapped back", args: []string{"-r", root, "tool"}, cwd: root + "/work", check: cmdIs("/usr/bin/tool", "tool", nil, "/")},
		{name: "-w to a file falls back to /", args: []string{"-r", root, "-w", "/bin/tool", "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/")},

		// -b and -m share one ordered list; the later binding of a guest path wins.
		{name: "-b then -m", args: []string{"-r", root, "-b", root + "/etc:/x", "-m", root + "/tmp:/x", "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/x"); h != root+"/tmp" {
				t.Errorf("/x -> %s, want the later -m", h)
			}
		}},
		{name: "--mount= then --bind=", args: []string{"-r", root, "--mount=" + root + "/tmp:/x", "--bind=" + root + "/etc:/x", "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/x"); h != root+"/etc" {
				t.Errorf("/x -> %s, want the later --bind", h)
			}
		}},
		{name: "--bind HOST without GUEST", args: []string{"-r", root, "--bind", home, "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, home); h != home {
				t.Errorf("%s -> %s, want itself", home, h)
			}
		}},
		{name: "-b dereferences the guest location", args: []string{"-r", root, "-b", home + ":/ln", "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/work"); h != home {
				t.Errorf("/work -> %s, want %s (bound through the symlink /ln)", h, home)
			}
		}},
		{name: "-b with ! does not", args: []string{"-r", root, "-b", home + ":/ln!", "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/ln"); h != home {
				t.Errorf("/ln -> %s, want %s", h, home)
			}
			if h := hostPath(t, c, "/work"); h != root+"/work" {
				t.Errorf("/work -> %s, want the rootfs's", h)
			}
		}},
		{name: "-b relative host path", args: []string{"-r", root, "-b", "etc:/x", "tool"}, cwd: root, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/x"); h != root+"/etc" {
				t.Errorf("/x -> %s, want %s/etc", h, root)
			}
		}},
		{name: "PATH lookup through a binding", args: []string{"-r", root, "-b", root + "/work:/usr/bin", "tool"}, check: cmdIs("/bin/tool", "tool", nil, "/")},

		// Presets.
		{name: "-R preset", args: []string{"-R", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			for _, g := range []string{"/proc", "/dev", "/sys", "/tmp", home} {
				if h := hostPath(t, c, g); h != g {
					t.Errorf("-R: %s -> %s, want the host's", g, h)
				}
			}
			if c.ChangeID {
				t.Errorf("-R changes the identity: %+v", c.Config)
			}
		}},
		{name: "-S preset implies -0", args: []string{"-S", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 0 || c.GID != 0 {
				t.Errorf("-S without -0: %+v", c.Config)
			}
			if h := hostPath(t, c, "/proc"); h != "/proc" {
				t.Errorf("-S: /proc -> %s", h)
			}
			// -S leaves the guest's own /etc/passwd (proot(1): it is meant for root).
			if h := hostPath(t, c, "/etc/passwd"); h != root+"/etc/passwd" {
				t.Errorf("-S: /etc/passwd -> %s, want the rootfs's", h)
			}
		}},
		{name: "-b after -R wins", args: []string{"-R", root, "-b", root + "/etc:/tmp", "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/tmp"); h != root+"/etc" {
				t.Errorf("/tmp -> %s, want the user's binding", h)
			}
		}},
		{name: "-R after -b wins, as in PRoot", args: []string{"-b", root + "/etc:/tmp", "-R", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if h := hostPath(t, c, "/tmp"); h != "/tmp" {
				t.Errorf("/tmp -> %s, want the preset's", h)
			}
		}},

		// Identity and the other options, in every spelling.
		{name: "-0", args: []string{"-0", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 0 || c.GID != 0 {
				t.Errorf("-0: %+v", c.Config)
			}
		}},
		{name: "--root-id", args: []string{"--root-id", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 0 || c.GID != 0 {
				t.Errorf("--root-id: %+v", c.Config)
			}
		}},
		{name: "no identity change by default", args: []string{"-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.ChangeID {
				t.Errorf("identity changed: %+v", c.Config)
			}
		}},
		{name: "-i", args: []string{"-i", "123:456", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 123 || c.GID != 456 {
				t.Errorf("-i: %+v", c.Config)
			}
		}},
		{name: "--change-id=", args: []string{"--change-id=7:8", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.ChangeID || c.UID != 7 || c.GID != 8 {
				t.Errorf("--change-id: %+v", c.Config)
			}
		}},
		{name: "short options", args: []string{"-k", "4.99.0", "-v", "2", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Kernel == nil || *c.Kernel != (config.Utsname{Release: "4.99.0"}) || c.Verbose != 2 || c.KillOnExit || c.Mode != "auto" {
				t.Errorf("%+v", c.Config)
			}
		}},
		{name: "long options", args: []string{"--kernel-release=5.1", "--verbose=-1", "--kill-on-exit", "--mode=ptrace", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Kernel == nil || c.Kernel.Release != "5.1" || c.Kernel.Full || c.Verbose != -1 || !c.KillOnExit || c.Mode != "ptrace" {
				t.Errorf("%+v", c.Config)
			}
		}},
		{name: "-k utsname", args: []string{"-k", `\s\n\4.1\v\m\d\1f\`, "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			want := config.Utsname{Full: true, Sysname: "s", Nodename: "n", Release: "4.1", Version: "v", Machine: "m", Domainname: "d", HWCap: 0x1f}
			if c.Kernel == nil || *c.Kernel != want {
				t.Errorf("-k: %+v, want %+v", c.Kernel, want)
			}
		}},
		{name: "--mode userns", args: []string{"--mode", "userns", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if c.Mode != "userns" {
				t.Errorf("mode %q", c.Mode)
			}
		}},
		{name: "environment passed whole, PWD set to the guest cwd", args: []string{"-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			want := append(append([]string(nil), env...), "PWD="+c.Cwd)
			if !reflect.DeepEqual(c.Env, want) {
				t.Errorf("Env %q, want %q", c.Env, want)
			}
		}},
		{name: "isolation options", args: []string{"--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-cgroup", "--hostname", "box", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.UnsharePID || !c.UnshareNet || !c.UnshareIPC || !c.UnshareCgroup || c.Hostname != "box" {
				t.Errorf("%+v", c.Config)
			}
		}},
		{name: "--unshare-all", args: []string{"--unshare-all", "-r", root, "tool"}, check: func(t *testing.T, c *cfgView) {
			if !c.UnsharePID || !c.UnshareNet || !c.UnshareIPC || !c.UnshareCgroup || !strings.HasPrefix(c.Hostname, "groot-") {
				t.Errorf("%+v", c.Config)
			}
		}},

		// Errors: one message naming the problem.
		{name: "empty host side", args: []string{"-r", root, "-b", ":/x", "tool"}, wantErr: "empty host path"},
		{name: "empty guest side", args: []string{"-r", root, "-b", "/tmp:", "tool"}, wantErr: "empty guest path"},
		{name: "relative guest side", args: []string{"-r", root, "-b", "/tmp:x", "tool"}, wantErr: "not absolute"},
		{name: "missing host path", args: []string{"-r", root, "-m", "/does/not/exist:/x", "tool"}, wantErr: "/does/not/exist"},
		{name: "-i abc", args: []string{"-i", "abc", "-r", root, "tool"}, wantErr: `-i "abc"`},
		{name: "-i without gid", args: []string{"-i", "1:", "-r", root, "tool"}, wantErr: `-i "1:"`},
		{name: "-i negative", args: []string{"-i", "-1:0", "-r", root, "tool"}, wantErr: `-i "-1:0"`},
		{name: "missing rootfs", args: []string{"-r", "/does/not/exist", "tool"}, wantErr: "rootfs /does/not/exist"},
		{name: "-k utsname cut short", args: []string{"-k", `\s\n\4.1\`, "-r", root, "tool"}, wantErr: "version missing"},
		{name: "-k utsname bad hwcap", args: []string{"-k", `\s\n\4.1\v\m\d\xyz\`, "-r", root, "tool"}, wantErr: "not hexadecimal"},
		{name: "rootfs is a file", args: []string{"-r", root + "/bin/tool", "tool"}, wantErr: "not a directory"},
		{name: "empty rootfs", args: []string{"-r", "", "tool"}, wantErr: "-r: empty path"},
		{name: "bad mode", args: []string{"--mode", "bogus", "-r", root, "tool"}, wantErr: `--mode "bogus"`},
		// PRoot's options groot lacks are named as such; -l changes nothing here.
		{name: "-q refused", args: []string{"-q", "qemu-arm", "-r", root, "tool"}, wantErr: "-q (qemu): PRoot's option is not supported"},
		{name: "-p refused", args: []string{"-r", root, "-p", "80:8080", "tool"}, wantErr: "-p (port mapping)"},
		{name: "-n refused", args: []string{"-n", "-r", root, "tool"}, wantErr: "-n (netcoop)"},
		{name: "-l accepted", args: []string{"-l", "-r", root, "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/")},
		{name: "--link2symlink accepted", args: []string{"--link2symlink", "-0", "-r", root, "tool"}, check: cmdIs("/usr/bin/tool", "tool", nil, "/")},
		{name: "bad verbose", args: []string{"-v", "x", "-r", root, "tool"}, wantErr: "verbose"},
		{name: "missing option argument", args: []string{"-r"}, wantErr: "needs an argument"},
		{name: "unknown long option", args: []string{"--frobnicate", "-r", root, "tool"}, wantErr: "frobnicate"},
		{name: "unknown short option", args: []string{"-q", "qemu", "-r", root, "tool"}, wantErr: "-q"},
		{name: "empty hostname", args: []string{"--hostname=", "-r", root, "tool"}, wantErr: "--hostname"},
		{name: "command not found", args: []string{"-r", root, "nosuchtool"}, wantErr: "command not found in the guest: nosuchtool (PATH=/usr/bin:/bin)"},
		{name: "non-executable is not found", args: []string{"-r", root, "plain"}, wantErr: "command not found in the guest: plain"},
		{name: "directory is not found", args: []string{"-r", root, "sub"}, wantErr: "command not found in the guest: sub"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cwd := c.cwd
			if cwd == "" {
				cwd = "/"
			}
			cfg, err := parse(c.args, env, cwd)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("parse(%q) error = %v, want one mentioning %q", c.args, err, c.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error spans lines: %q", err)
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

// TestParseHelpVersion: every spelling of -h and -V asks main to print and exit 0, even
// after other options.
func TestParseHelpVersion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want error
	}{
		{[]string{"-h"}, errHelp}, {[]string{"--help"}, errHelp}, {[]string{"--usage"}, errHelp},
		{[]string{"-V"}, errVersion}, {[]string{"--version"}, errVersion}, {[]string{"--about"}, errVersion},
		{[]string{"-r", "/", "-h", "sh"}, errHelp},
	} {
		if _, err := parse(c.args, nil, "/"); !errors.Is(err, c.want) {
			t.Errorf("parse(%q) = %v, want %v", c.args, err, c.want)
		}
	}
}

// TestPathLookup: the guest's PATH, else the default one; empty and relative entries
// count from the initial directory, as execvp(3) takes them.
func TestPathLookup(t *testing.T) {
	root := testRootfs(t)
	if err := os.WriteFile(filepath.Join(root, "work/wtool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, name, cwd, want string
	}{
		{"PATH=/bin:/usr/bin", "tool", "/", "/bin/tool"},
		{"PATH=/usr/bin:/bin", "tool", "/", "/usr/bin/tool"},
		{"", "tool", "/", "/usr/bin/tool"}, // the default PATH has /usr/bin before /bin
		{"PATH=/bin:", "wtool", "/work", "wtool"},
		{"PATH=::/bin", "wtool", "/work", "wtool"},
		{"PATH=/bin:work", "wtool", "/", "work/wtool"},
		{"PATH=/ln", "wtool", "/", "/ln/wtool"},
	} {
		env := []string{"HOME=/nonexistent"}
		if c.path != "" {
			env = append(env, c.path)
		}
		cfg, err := parse([]string{"-r", root, "-w", c.cwd, c.name}, env, "/")
		if err != nil {
			t.Errorf("%s, %s from %s: %v", c.path, c.name, c.cwd, err)
			continue
		}
		if cfg.Command[0] != c.want || cfg.Argv0 != c.name {
			t.Errorf("%s, %s from %s: command %q argv0 %q, want %q", c.path, c.name, c.cwd, cfg.Command[0], cfg.Argv0, c.want)
		}
	}
}

// TestUsageListsEveryOption: -h shows every option of the flag set, each in one group.
func TestUsageListsEveryOption(t *testing.T) {
	var o options
	help := usage()
	grouped := map[string]int{}
	for _, g := range usageGroups {
		for _, f := range g.flags {
			grouped[f]++
		}
	}
	newFlagSet(&o).VisitAll(func(f *pflag.Flag) {
		if grouped[f.Name] != 1 {
			t.Errorf("option %s is in %d help groups, want 1", f.Name, grouped[f.Name])
		}
		spelling := "--" + f.Name
		if f.Name == f.Shorthand {
			spelling = "-" + f.Shorthand
		}
		if !strings.Contains(help, "  "+spelling) && !strings.Contains(help, ", "+spelling) || f.Usage == "" {
			t.Errorf("help does not list %s with a description", spelling)
		}
		delete(grouped, f.Name)
	})
	for name := range grouped {
		t.Errorf("help group names %s, which is no option", name)
	}
}

// buildGroot builds the command into a temporary directory.
func buildGroot(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "groot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestBadInputExits runs the real binary: one clear line on stderr, nothing on stdout,
// status 1 for bad usage and 127 for a command missing from the guest (as sh gives).
func TestBadInputExits(t *testing.T) {
	bin := buildGroot(t)
	root := testRootfs(t)
	for _, c := range []struct {
		args   []string
		status int
		want   string
	}{
		{[]string{"-r", root, "-b", ":/x", "tool"}, 1, "empty host path"},
		{[]string{"-r", root, "-b", "/tmp:", "tool"}, 1, "empty guest path"},
		{[]string{"-r", root, "-b", "/does/not/exist", "tool"}, 1, "/does/not/exist"},
		{[]string{"-i", "abc", "-r", root, "tool"}, 1, `-i "abc"`},
		{[]string{"-r", "/does/not/exist", "tool"}, 1, "rootfs /does/not/exist"},
		{[]string{"--mode", "bogus", "tool"}, 1, `--mode "bogus"`},
		{[]string{"--frobnicate", "tool"}, 1, "frobnicate"},
		{[]string{"-v", "x", "tool"}, 1, `invalid argument "x"`},
		{[]string{"-r", root, "nosuchtool"}, 127, "command not found in the guest: nosuchtool"},
	} {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != c.status {
			t.Errorf("groot %q: %v, want exit status %d", c.args, err, c.status)
		}
		lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
		if stdout.Len() != 0 || len(lines) != 1 || !strings.HasPrefix(lines[0], "groot: ") || !strings.Contains(lines[0], c.want) {
			t.Errorf("groot %q: stdout %q stderr %q; want one groot: line mentioning %q", c.args, stdout.String(), stderr.String(), c.want)
		}
	}
}

// TestHelpVersionExit: -h and -V print on stdout and exit 0.
func TestHelpVersionExit(t *testing.T) {
	bin := buildGroot(t)
	for _, c := range []struct{ arg, want string }{{"-h", "Regular options:"}, {"--help", "--kill-on-exit"}, {"-V", "groot "}, {"--version", "groot "}} {
		out, err := exec.Command(bin, c.arg).Output()
		if err != nil || !strings.Contains(string(out), c.want) {
			t.Errorf("groot %s: %v, output %q, want %q", c.arg, err, out, c.want)
		}
	}
}

// TestRootIDAndChangeIDLastWins: -0 and -i set one thing, the later on the command line
// wins (PRoot's test-yyyyyyyy).
func TestRootIDAndChangeIDLastWins(t *testing.T) {
	root := t.TempDir()
	for _, c := range []struct {
		args     []string
		uid, gid int
	}{
		{[]string{"-i", "5:6", "-0"}, 0, 0},
		{[]string{"-0", "-i", "5:6"}, 5, 6},
		{[]string{"-0", "-i", "5:6", "-0"}, 0, 0},
	} {
		cfg, err := parse(append(append(c.args, "-r", root), "/bin/true"), []string{"PATH=/bin"}, "/")
		if err != nil {
			t.Fatalf("%q: %v", c.args, err)
		}
		if !cfg.ChangeID || cfg.UID != c.uid || cfg.GID != c.gid {
			t.Errorf("%q: change %v %d:%d, want %d:%d", c.args, cfg.ChangeID, cfg.UID, cfg.GID, c.uid, c.gid)
		}
	}
}

func TestWithEnv(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"A=1"}, []string{"A=1", "PWD=/g"}},
		{[]string{"PWD=/host", "A=1"}, []string{"PWD=/g", "A=1"}},
		{[]string{"A=1", "PWD=/h1", "PWDX=2", "PWD=/h2"}, []string{"A=1", "PWD=/g", "PWDX=2"}},
	} {
		if got := withEnv(c.in, "PWD", "/g"); !reflect.DeepEqual(got, c.want) {
			t.Errorf("withEnv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

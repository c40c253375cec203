package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/bindings"
	"github.com/groot-sandbox/groot/config"
	"github.com/groot-sandbox/groot/pathmap"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"
)

// version is groot's version, printed by -V.
const version = "0.1.0"

// errHelp and errVersion ask main to print and exit 0.
var (
	errHelp    = errors.New("help requested")
	errVersion = errors.New("version requested")
)

// usageError is bad input on the command line (exit status 1).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// notFoundError is a guest command that is nowhere in the guest's PATH (exit status 127,
// as a shell gives).
type notFoundError struct{ name, path string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("command not found in the guest: %s (PATH=%s)", e.name, e.path)
}

// layout is one option that shapes the guest tree: -r, -R, -S, -b or -m. PRoot applies
// them in command-line order: a later -r replaces an earlier binding of "/" and the
// other way round, so they share one ordered list.
type layout struct{ kind, value string }

// layoutFlag is the pflag.Value of those options.
type layoutFlag struct {
	kind string
	list *[]layout
}

func (f layoutFlag) String() string { return "" }

func (f layoutFlag) Set(s string) error {
	*f.list = append(*f.list, layout{f.kind, s})
	return nil
}

func (f layoutFlag) Type() string {
	if f.kind == "bind" {
		return "HOST[:GUEST]"
	}
	return "DIR"
}

// stringAlias is a pflag.Value that writes into a shared string (-w/--cwd/--pwd).
type stringAlias struct{ p *string }

func (s stringAlias) String() string     { return *s.p }
func (s stringAlias) Set(v string) error { *s.p = v; return nil }
func (s stringAlias) Type() string       { return "DIR" }

// idFlag is the pflag.Value of -0 and -i, which share one setting.
type idFlag struct{ p *string }

func (f idFlag) String() string     { return *f.p }
func (f idFlag) Set(v string) error { *f.p = v; return nil }
func (f idFlag) Type() string       { return "UID:GID" }

// refusedFlag is a pflag.Value for a PRoot option groot does not implement: parsing
// records it, and parse refuses the run with one line that names it.
type refusedFlag struct {
	name string
	p    *[]string
	typ  string
}

func (f refusedFlag) String() string     { return "" }
func (f refusedFlag) Set(v string) error { *f.p = append(*f.p, f.name); return nil }
func (f refusedFlag) Type() string       { return f.typ }

// defaultPath is what the guest's PATH lookup uses when the environment has none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

type options struct {
	cwd, changeID, kernel, mode, hostname string
	fakeDB                                string
	unsharePID, unshareNet, unshareIPC    bool
	unshareCgroup, unshareAll             bool
	layout                                []layout
	killOnExit, help, showVersion         bool
	link2symlink                          bool
	refused                               []string // PRoot options groot does not implement
	verbose                               int
}

func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("groot", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.SetOutput(io.Discard)
	fs.SortFlags = false
	fs.VarP(layoutFlag{"rootfs", &o.layout}, "rootfs", "r", "use DIR as the guest's root file system (default /)")
	fs.VarP(layoutFlag{"bind", &o.layout}, "bind", "b", "make the host path HOST visible in the guest at GUEST (default: the same path); a GUEST that is a symlink in the guest is dereferenced unless it ends with !")
	fs.VarP(layoutFlag{"bind", &o.layout}, "mount", "m", "same as -b")
	fs.VarP(stringAlias{&o.cwd}, "cwd", "w", "start the guest command in the guest directory DIR, relative to the current directory (default: the current directory's path when the guest has it, else /)")
	fs.Var(stringAlias{&o.cwd}, "pwd", "same as -w")
	fs.VarP(layoutFlag{"R", &o.layout}, "R", "R", "same as -r DIR plus bindings of the host's /etc/passwd, /etc/hosts, /dev, /proc, /sys, /tmp, /run, $HOME ...")
	fs.VarP(layoutFlag{"S", &o.layout}, "S", "S", "same as -0 -r DIR plus bindings of /etc/hosts, /etc/resolv.conf, /dev, /proc, /sys, /tmp, $HOME ...")
	// -0 and -i write the same setting: the later one wins, as in PRoot.
	fs.VarPF(idFlag{&o.changeID}, "root-id", "0", "make the guest believe it runs as root (uid 0, gid 0)").NoOptDefVal = "0:0"
	fs.VarP(idFlag{&o.changeID}, "change-id", "i", "make the guest believe it runs as UID:GID")
	fs.StringVar(&o.fakeDB, "fake-db", "", "keep -0/-i's fake owners, modes and device nodes in FILE between runs (created if missing)")
	fs.StringVarP(&o.kernel, "kernel-release", "k", "", "make uname report STRING as the kernel release (or PRoot's \\sysname\\nodename\\release\\version\\machine\\domainname\\hwcap\\)")
	fs.IntVarP(&o.verbose, "verbose", "v", 0, "print what groot does at level N (1: mode, 2: translations, 3: every syscall; negative: no warnings)")
	fs.BoolVar(&o.killOnExit, "kill-on-exit", false, "kill every remaining guest process when the first one exits")
	fs.BoolVar(&o.unsharePID, "unshare-pid", false, "run the guest in a new PID namespace with a fresh /proc (namespace engine)")
	fs.BoolVar(&o.unshareNet, "unshare-net", false, "run the guest in a new network namespace with only the loopback interface, up (namespace engine)")
	fs.BoolVar(&o.unshareIPC, "unshare-ipc", false, "run the guest in a new IPC namespace: its own System V IPC and POSIX message queues (namespace engine)")
	fs.BoolVar(&o.unshareCgroup, "unshare-cgroup", false, "run the guest in a new cgroup namespace (namespace engine)")
	fs.BoolVar(&o.unshareAll, "unshare-all", false, "all of the above, and a generated hostname unless --hostname is given")
	fs.StringVar(&o.hostname, "hostname", "", "make the guest's hostname NAME (a new UTS namespace; emulated in uname by the ptrace engine)")
	fs.StringVar(&o.mode, "mode", "auto", "engine: auto (namespaces when the kernel allows, else ptrace), ptrace or userns")
	// PRoot's -l works around kernels and file systems that refuse hard links (Android):
	// here the guest's link(2) works as it is, so the option changes nothing.
	fs.BoolVarP(&o.link2symlink, "link2symlink", "l", false, "accepted for PRoot's command lines; hard links work as they are, nothing is emulated")
	fs.VarP(refusedFlag{"-q (qemu)", &o.refused, "COMMAND"}, "qemu", "q", "PRoot's user-mode emulation of other architectures: refused, not supported")
	fs.Var(refusedFlag{"--mixed-mode", &o.refused, "VALUE"}, "mixed-mode", "PRoot's option of -q: refused, not supported")
	fs.VarP(refusedFlag{"-p (port mapping)", &o.refused, "PORTS"}, "port", "p", "PRoot's port mapping: refused, not supported (the namespace engine's --unshare-net gives the guest its own ports)")
	fs.VarPF(refusedFlag{"-n (netcoop)", &o.refused, "bool"}, "netcoop", "n", "PRoot's network cooperation mode: refused, not supported").NoOptDefVal = "true"
	fs.BoolVarP(&o.showVersion, "version", "V", false, "print the version and exit")
	fs.BoolVar(&o.showVersion, "about", false, "same as -V")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help and exit")
	fs.BoolVar(&o.help, "usage", false, "same as -h")
	return fs
}

// usageGroups orders the help as proot --help does (regular, extension and alias
// options), then groot's own options. Every flag of newFlagSet must be in one group: a
// test checks it.
var usageGroups = []struct {
	title string
	flags []string
}{
	{"Regular options", []string{"rootfs", "bind", "mount", "cwd", "pwd", "verbose", "version", "about", "help", "usage"}},
	{"Extension options", []string{"kernel-release", "root-id", "change-id", "kill-on-exit", "link2symlink"}},
	{"PRoot options groot refuses", []string{"qemu", "mixed-mode", "port", "netcoop"}},
	{"Alias options", []string{"R", "S"}},
	{"groot options", []string{"fake-db", "mode", "unshare-pid", "unshare-net", "unshare-ipc", "unshare-cgroup", "unshare-all", "hostname"}},
}

// writeFlagUsage writes one option of the help: its spellings and argument, then its
// description on the next line.
func writeFlagUsage(b *strings.Builder, f *pflag.Flag) {
	name := "    "
	if f.Shorthand != "" {
		name = "-" + f.Shorthand + ", "
	}
	long := "--" + f.Name
	if f.Name == f.Shorthand {
		long = ""
		name = strings.TrimSuffix(name, ", ")
	}
	arg := ""
	switch f.Value.Type() {
	case "bool":
	case "UID:GID":
		if f.NoOptDefVal == "" {
			arg = " UID:GID"
		}
	case "int":
		arg = " N"
	case "string":
		arg = map[string]string{"kernel-release": " STRING", "mode": " MODE", "hostname": " NAME"}[f.Name]
	default:
		arg = " " + f.Value.Type()
	}
	fmt.Fprintf(b, "  %s%s%s\n        %s\n", name, long, arg, f.Usage)
}

// usage is the help text: every option with its description.
func usage() string {
	var o options
	fs := newFlagSet(&o)
	var b strings.Builder
	b.WriteString("Usage: groot [options] [--] [command [argument...]]\n\n")
	b.WriteString("Run command (default: the guest's /bin/sh as a login shell) with a guest root file\n")
	b.WriteString("system, as an unprivileged user. Options are PRoot's, plus groot's own.\n")
	for _, g := range usageGroups {
		fmt.Fprintf(&b, "\n%s:\n", g.title)
		for _, name := range g.flags {
			if f := fs.Lookup(name); f != nil {
				writeFlagUsage(&b, f)
			}
		}
	}
	b.WriteString("\nEnvironment: GROOT_NO_SECCOMP=1 makes the ptrace engine stop on every syscall.\n")
	return b.String()
}

func envValue(environ []string, key string) (string, bool) {
	for i := len(environ) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(environ[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// withEnv returns environ with key set to value: in place of its first entry, later
// entries of key removed (as setenv(3) leaves one).
func withEnv(environ []string, key, value string) []string {
	out := make([]string, 0, len(environ)+1)
	set := false
	for _, kv := range environ {
		if strings.HasPrefix(kv, key+"=") {
			if set {
				continue
			}
			kv, set = key+"="+value, true
		}
		out = append(out, kv)
	}
	if !set {
		out = append(out, key+"="+value)
	}
	return out
}

// parse turns groot's arguments into a run configuration.
func parse(args, environ []string, cwd string) (*config.Config, error) {
	var o options
	fs := newFlagSet(&o)
	if err := fs.Parse(args); err != nil {
		return nil, usagef("%v (see groot --help)", err)
	}
	if o.help {
		return nil, errHelp
	}
	if len(o.refused) > 0 {
		return nil, usagef("%s: PRoot's option is not supported by groot", o.refused[0])
	}
	if o.showVersion {
		return nil, errVersion
	}
	cfg := &config.Config{Verbose: o.verbose, KillOnExit: o.killOnExit, Env: environ,
		UnsharePID: o.unsharePID || o.unshareAll, UnshareNet: o.unshareNet || o.unshareAll,
		UnshareIPC: o.unshareIPC || o.unshareAll, UnshareCgroup: o.unshareCgroup || o.unshareAll,
		Hostname: o.hostname}
	if o.unshareAll && cfg.Hostname == "" {
		cfg.Hostname = generatedHostname()
	}
	if fs.Changed("kernel-release") {
		k, err := parseUtsname(o.kernel)
		if err != nil {
			return nil, usagef("%v", err)
		}
		cfg.Kernel = k
	}
	if fs.Changed("hostname") && (o.hostname == "" || len(o.hostname) > 64) {
		return nil, usagef("--hostname %q: must be 1 to 64 bytes", o.hostname)
	}
	switch config.Mode(o.mode) {
	case config.ModeAuto, config.ModePtrace, config.ModeUserns:
		cfg.Mode = config.Mode(o.mode)
	default:
		return nil, usagef("--mode %q: must be auto, ptrace or userns", o.mode)
	}
	home, _ := envValue(environ, "HOME")
	rootfs := "/"
	var binds []bindings.Binding
	for _, l := range o.layout {
		switch l.kind {
		case "rootfs", "R", "S":
			if l.value == "" {
				return nil, usagef("-%s: empty path", map[string]string{"rootfs": "r", "R": "R", "S": "S"}[l.kind])
			}
			rootfs = l.value
			// The new rootfs replaces an earlier binding of "/".
			kept := binds[:0]
			for _, b := range binds {
				if b.Guest != "/" {
					kept = append(kept, b)
				}
			}
			binds = kept
			if l.kind != "rootfs" {
				binds = append(binds, bindings.Preset(l.kind, home)...)
			}
			if l.kind == "S" {
				cfg.ChangeID, cfg.UID, cfg.GID = true, 0, 0
			}
		case "bind":
			b, err := bindings.Parse(l.value, cwd)
			if err != nil {
				return nil, usagef("-b %v", err)
			}
			if b.Guest == "/" {
				// PRoot's -r is a binding of "/", so a binding of "/" is a new rootfs;
				// the engines take the root from Table.Rootfs, not from the bindings.
				rootfs = b.Host
				continue
			}
			binds = append(binds, b)
		}
	}
	table, err := canonicalTable(rootfs, binds)
	if err != nil {
		return nil, err
	}
	cfg.Table = table
	if o.changeID != "" {
		u, g, ok := strings.Cut(o.changeID, ":")
		uid, err1 := strconv.ParseUint(u, 10, 32)
		gid, err2 := strconv.ParseUint(g, 10, 32)
		if !ok || err1 != nil || err2 != nil {
			return nil, usagef("-i %q: expected UID:GID (two numbers)", o.changeID)
		}
		cfg.ChangeID, cfg.UID, cfg.GID = true, int(uid), int(gid)
	}
	if o.fakeDB != "" {
		if !cfg.ChangeID {
			return nil, usagef("--fake-db needs -0, -i or -S")
		}
		abs, err := filepath.Abs(o.fakeDB)
		if err != nil {
			return nil, usagef("--fake-db %s: %v", o.fakeDB, err)
		}
		if st, err := os.Stat(filepath.Dir(abs)); err != nil {
			return nil, usagef("--fake-db %s: %v", o.fakeDB, err)
		} else if !st.IsDir() {
			return nil, usagef("--fake-db %s: %s is not a directory", o.fakeDB, filepath.Dir(abs))
		}
		cfg.FakeDB = abs
	}
	// The initial directory, as PRoot chooses it (checked against proot 5.1): the host's
	// working directory names the guest directory too, as a guest path, whatever the
	// bindings (from a host directory inside the rootfs or inside a binding, PRoot does
	// not map it back); a relative -w is taken from there. A directory missing from the
	// guest falls back to "/".
	res := &pathmap.Resolver{Table: table}
	cfg.Cwd = path.Clean(path.Join("/", cwd, o.cwd))
	if strings.HasPrefix(o.cwd, "/") {
		cfg.Cwd = path.Clean(o.cwd)
	}
	if r, err := res.Resolve("/", cfg.Cwd, true); err == nil && r.Exists && isDir(r.Host) {
		cfg.Cwd = r.Guest
	} else if bindingDir(table, cfg.Cwd) {
		// A binding's directory, or one on the way to a binding's guest path, that the
		// rootfs lacks: the engines make it (glue directories, mount points), as PRoot
		// does; `-b $PWD -w $PWD` is the common case.
	} else {
		// PRoot warns at its default verbosity in both cases. groot warns for an explicit
		// -w only: running from a host directory that the guest lacks (a temporary
		// directory, say) is the usual case, not a mistake worth a line on every run.
		switch {
		case o.cwd != "" && o.verbose >= 0:
			fmt.Fprintf(os.Stderr, "groot: warning: -w %s: %s is not a directory in the guest, using /\n", o.cwd, cfg.Cwd)
		case o.cwd == "" && o.verbose >= 1:
			fmt.Fprintf(os.Stderr, "groot: the current directory %s is not a directory in the guest, using /\n", cfg.Cwd)
		}
		cfg.Cwd = "/"
	}
	// $PWD names the guest's initial directory, as PRoot sets it (cli.c, after it
	// canonicalizes the working directory): the caller's would be a host path, which a
	// shell trusts whenever it names the same directory (bash's pwd, under -b $PWD:/foo
	// -w /foo, would print the host path; PRoot's test de756935).
	cfg.Env = withEnv(cfg.Env, "PWD", cfg.Cwd)

	cmd := fs.Args()
	if len(cmd) == 0 {
		// PRoot runs the guest's shell as a login shell.
		cfg.Command, cfg.Argv0 = []string{"/bin/sh"}, "-sh"
		return cfg, nil
	}
	cfg.Command = append([]string(nil), cmd...)
	cfg.Argv0 = cmd[0]
	if !strings.Contains(cmd[0], "/") {
		p, ok := envValue(environ, "PATH")
		if !ok {
			p = defaultPath
		}
		found := ""
		for _, dir := range strings.Split(p, ":") {
			if dir == "" {
				dir = "."
			}
			r, err := res.Resolve(cfg.Cwd, dir+"/"+cmd[0], true)
			if err == nil && r.Exists && isExecutable(r.Host) {
				found = path.Join(dir, cmd[0])
				break
			}
		}
		if found == "" {
			return nil, &notFoundError{name: cmd[0], path: p}
		}
		cfg.Command[0] = found
	}
	return cfg, nil
}

// bindingDir reports whether guest is a directory that only the bindings make: a
// directory inside a binding whose host path is one, or a directory on the way to a
// binding's guest path (each engine makes those for the guest).
func bindingDir(table *bindings.Table, guest string) bool {
	for _, b := range table.All() {
		if b.Guest == "/" {
			continue
		}
		if rest, ok := strings.CutPrefix(guest, b.Guest); ok && (rest == "" || rest[0] == '/') {
			return isDir(b.Host + rest)
		}
		if strings.HasPrefix(b.Guest, guest+"/") {
			return true
		}
	}
	return false
}

func isDir(host string) bool {
	st, err := os.Stat(host)
	return err == nil && st.IsDir()
}

func isExecutable(host string) bool {
	st, err := os.Stat(host)
	return err == nil && st.Mode().IsRegular() && unix.Access(host, unix.X_OK) == nil
}

// canonicalTable builds the binding table, dereferencing each binding's guest location in
// the guest as it stands with the bindings before it (unless the binding ends with "!"),
// as PRoot does: the new content then shows through every symlink to it.
func canonicalTable(rootfs string, binds []bindings.Binding) (*bindings.Table, error) {
	table, err := bindings.New(rootfs, nil)
	if err != nil {
		return nil, usagef("%v", err)
	}
	for i := range binds {
		if !binds[i].NoFollow && binds[i].Guest != "/" {
			r := &pathmap.Resolver{Table: table}
			if res, err := r.Resolve("/", binds[i].Guest, true); err == nil {
				binds[i].Guest = res.Guest
			}
		}
		if table, err = bindings.New(rootfs, binds[:i+1]); err != nil {
			return nil, usagef("%v", err)
		}
	}
	return table, nil
}

// generatedHostname names the guest of --unshare-all: "groot-" and 8 random hex digits.
func generatedHostname() string {
	var b [4]byte
	if n, err := unix.Getrandom(b[:], 0); err != nil || n != len(b) {
		return "groot"
	}
	return fmt.Sprintf("groot-%x", b)
}

// parseUtsname parses -k's argument as PRoot does (src/extension/kompat/kompat.c,
// parse_utsname): a string that starts with a backslash must have all seven fields.
func parseUtsname(s string) (*config.Utsname, error) {
	if !strings.HasPrefix(s, `\`) {
		return &config.Utsname{Release: s}, nil
	}
	// Seven fields, each closed by a backslash; what follows the last one is ignored, and
	// an empty hwcap is 0, as strtol makes it in PRoot.
	f := strings.Split(s[1:], `\`)
	names := []string{"sysname", "nodename", "release", "version", "machine", "domainname", "hwcap"}
	if len(f) < len(names)+1 {
		return nil, fmt.Errorf("-k %q: want \\sysname\\nodename\\release\\version\\machine\\domainname\\hwcap\\ (%s missing)", s, names[len(f)-1])
	}
	var hwcap uint64
	if h := strings.TrimPrefix(strings.ToLower(f[6]), "0x"); h != "" {
		v, err := strconv.ParseUint(h, 16, 64)
		if err != nil {
			return nil, fmt.Errorf("-k %q: hwcap %q is not hexadecimal", s, f[6])
		}
		hwcap = v
	}
	// Each field is at most 64 bytes in struct new_utsname (include/uapi/linux/utsname.h).
	for i, v := range f[:6] {
		if len(v) > 64 {
			return nil, fmt.Errorf("-k %q: %s longer than 64 bytes", s, names[i])
		}
	}
	return &config.Utsname{Full: true, Sysname: f[0], Nodename: f[1], Release: f[2], Version: f[3], Machine: f[4], Domainname: f[5], HWCap: hwcap}, nil
}

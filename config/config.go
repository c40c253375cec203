// Package config holds the run configuration that the command line builds and that the
// sandbox engines (tracer, userns) consume. It has no behaviour of its own.
package config

import (
	"fmt"
	"os"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// Mode selects the sandbox engine.
type Mode string

const (
	ModeAuto   Mode = "auto"   // userns when the kernel allows and the options permit, else ptrace
	ModePtrace Mode = "ptrace" // always the tracer
	ModeUserns Mode = "userns" // always namespaces; fail clearly when unavailable
)

// Config is everything one groot run needs to know.
type Config struct {
	// Table maps guest paths to host paths; its binding of "/" is the rootfs.
	Table *bindings.Table
	// Cwd is the guest's initial working directory (a guest path).
	Cwd string
	// Command is the guest argv. Command[0] is the path handed to execve in the
	// guest (already looked up in the guest's PATH by the command line).
	Command []string
	// Argv0 is the argv[0] the guest program sees ("-sh" for the default login shell).
	Argv0 string
	// Env is the guest environment.
	Env []string

	// Fake identity (-0, -i UID:GID). ChangeID is false when no fake identity is asked for.
	ChangeID bool
	UID, GID int
	// FakeDB is the file that keeps fake ownership between runs (--fake-db); "" keeps it
	// for the run only.
	FakeDB string

	// Kernel is what -k makes uname(2) report; nil without -k.
	Kernel     *Utsname
	Verbose    int  // -v
	KillOnExit bool // --kill-on-exit
	Mode       Mode // --mode

	// Isolation (bubblewrap's names): new PID (with a fresh /proc), network (loopback
	// only), IPC and cgroup namespaces, and a hostname (a new UTS namespace; emulated in
	// uname by the ptrace engine).
	UnsharePID, UnshareNet, UnshareIPC, UnshareCgroup bool
	Hostname                                          string

	// Scratch is a private host directory for the run (glue directories, socket aliases,
	// exec name links), made on first use by MakeScratch: a namespace-engine run of a
	// plain rootfs needs none. The command line removes it at exit.
	Scratch string
}

// MakeScratch returns Scratch, creating it (mode 0700, a fresh name) the first time, in
// ScratchParent.
func (c *Config) MakeScratch() (string, error) {
	if c.Scratch == "" {
		parent, chosen := ScratchParent()
		dir, err := os.MkdirTemp(parent, "groot-")
		if err != nil && !chosen {
			// A directory in memory that looked writable but is not: the usual place.
			dir, err = os.MkdirTemp("/tmp", "groot-")
		}
		if err != nil {
			return "", fmt.Errorf("scratch directory: %w", err)
		}
		c.Scratch = dir
	}
	return c.Scratch, nil
}

// ScratchParent is where MakeScratch makes the scratch directory: $PROOT_TMP_DIR (PRoot's
// variable) or $TMPDIR when set (chosen: the user's choice, which must work), else a
// directory in memory where there is one — $XDG_RUNTIME_DIR (the user's own, a tmpfs
// under systemd), then /dev/shm — else /tmp. A short run makes and removes a few
// directories and links there, which on a disk cost more than the run's own work: about
// 0.2 ms per mkdir or rmdir on ext4 mounted with discard (a cloud VM's usual root; 2.3 ms
// of a 9 ms `groot --mode ptrace true` in /tmp, measured against /dev/shm, 100 rounds).
func ScratchParent() (dir string, chosen bool) {
	for _, v := range []string{"PROOT_TMP_DIR", "TMPDIR"} {
		if dir := os.Getenv(v); dir != "" {
			return dir, true
		}
	}
	for _, dir := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/dev/shm"} {
		if dir != "" && unix.Access(dir, unix.W_OK|unix.X_OK) == nil {
			return dir, false
		}
	}
	return "/tmp", false
}

// Utsname is what -k STRING makes uname(2) report. STRING is a release, or PRoot's
// '\sysname\nodename\release\version\machine\domainname\hwcap\' (hwcap in hexadecimal),
// which sets every field and the auxiliary vector's AT_HWCAP.
type Utsname struct {
	Release string
	// Full: every field below is given (the release-only form leaves them the kernel's).
	Full                                            bool
	Sysname, Nodename, Version, Machine, Domainname string
	HWCap                                           uint64
}

// NeedsNamespaces names the first isolation option that only the namespace engine can
// honour ("" when none): the ptrace engine changes what the guest sees of the file system,
// not its process, network, IPC or cgroup view.
func (c *Config) NeedsNamespaces() string {
	switch {
	case c.UnsharePID:
		return "--unshare-pid"
	case c.UnshareNet:
		return "--unshare-net"
	case c.UnshareIPC:
		return "--unshare-ipc"
	case c.UnshareCgroup:
		return "--unshare-cgroup"
	}
	return ""
}

// Package config holds the run configuration that the command line builds and that the
// sandbox engines (tracer, userns) consume. It has no behaviour of its own.
package config

import (
	"fmt"
	"os"

	"github.com/groot-sandbox/groot/bindings"
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
	// plain rootfs needs none, and making and removing an empty directory costs about
	// 0.2 ms of its start-up (ext4 here). The command line removes it at exit.
	Scratch string
}

// MakeScratch returns Scratch, creating it (mode 0700, a fresh name) the first time.
func (c *Config) MakeScratch() (string, error) {
	if c.Scratch == "" {
		dir, err := os.MkdirTemp("", "groot-")
		if err != nil {
			return "", fmt.Errorf("scratch directory: %w", err)
		}
		c.Scratch = dir
	}
	return c.Scratch, nil
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

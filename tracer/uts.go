package tracer

import (
	"github.com/groot-sandbox/groot/config"
	"golang.org/x/sys/unix"
)

// What uname reports. The kernel's answer stands unless -k, --hostname or the guest
// itself changed a field. sethostname and setdomainname are emulated (they succeed and
// change what uname reports for the rest of the run, as in a UTS namespace of the
// guest's own) under --hostname and -k, as PRoot's kompat extension does, and for a
// fake-root task whose euid is 0: root may set them, and must not set the host's. An
// unprivileged guest elsewhere gets the kernel's EPERM.
type utsState struct {
	kernel               *config.Utsname // -k; nil without it
	emulated             bool            // -k or --hostname: set* succeed for every task
	nodename, domainname string
	nodeSet, domainSet   bool
}

func newUTSState(cfg *config.Config) utsState {
	u := utsState{kernel: cfg.Kernel, emulated: cfg.Kernel != nil || cfg.Hostname != ""}
	if k := cfg.Kernel; k != nil && k.Full {
		u.nodename, u.nodeSet = k.Nodename, true
		u.domainname, u.domainSet = k.Domainname, true
	}
	if cfg.Hostname != "" {
		u.nodename, u.nodeSet = cfg.Hostname, true
	}
	return u
}

// rewrites reports whether uname's result needs the exit stop.
func (u *utsState) rewrites() bool { return u.kernel != nil || u.nodeSet || u.domainSet }

// enterSetUTS emulates sethostname(name, len) and setdomainname(name, len) where they
// are emulated, with the kernel's checks (kernel/sys.c: len over __NEW_UTS_LEN is EINVAL,
// an unreadable name EFAULT); elsewhere the kernel answers.
func (tr *tracer) enterSetUTS(t *tracee) error {
	if !tr.uts.emulated && (tr.fake == nil || t.creds == nil || t.creds.EUID != 0) {
		return nil
	}
	n := int32(t.regs.arg(1)) // int len in the kernel's prototype
	if n < 0 || n > 64 {
		return unix.EINVAL
	}
	b := make([]byte, n)
	if err := readMem(t.tid, t.regs.arg(0), b); err != nil {
		return unix.EFAULT
	}
	if t.regs.sysno() == unix.SYS_SETDOMAINNAME {
		tr.uts.domainname, tr.uts.domainSet = string(b), true
	} else {
		tr.uts.nodename, tr.uts.nodeSet = string(b), true
	}
	t.skip(0)
	return nil
}

// exitUname rewrites the struct new_utsname the kernel filled: six fields of 65 bytes,
// sysname, nodename, release, version, machine, domainname (include/uapi/linux/utsname.h).
func (tr *tracer) exitUname(t *tracee) {
	if t.regs.ret() != 0 {
		return
	}
	// One read and one write of the whole struct, whatever the fields.
	var uts [6 * 65]byte
	if readMem(t.tid, t.orig.arg(0), uts[:]) != nil {
		return
	}
	put := func(index int, value string) {
		field := uts[index*65 : (index+1)*65]
		clear(field)
		copy(field[:64], value)
	}
	defer func() { _ = writeMem(t.tid, t.orig.arg(0), uts[:]) }()
	if k := tr.uts.kernel; k != nil {
		if k.Full {
			put(0, k.Sysname)
			put(3, k.Version)
			put(4, k.Machine)
		}
		put(2, k.Release)
	}
	if tr.uts.nodeSet {
		put(1, tr.uts.nodename)
	}
	if tr.uts.domainSet {
		put(5, tr.uts.domainname)
	}
}

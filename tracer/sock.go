package tracer

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"

	"github.com/groot-sandbox/groot/pathmap"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// sunPathMax is sizeof(sockaddr_un.sun_path) (include/uapi/linux/un.h).
const sunPathMax = 108

// sockaddrArgs says which arguments hold a socket address and its length.
func sockaddrArgs(e *syscalls.Entry) (addr, length int) {
	switch e.Name {
	case "sendto", "recvfrom":
		return 4, 5
	}
	return 1, 2
}

// readSunPath reads a sockaddr and returns its AF_UNIX pathname, or ok=false for other
// families, unnamed and abstract sockets.
func readSunPath(tid int, addr uint64, length int) (string, bool) {
	if addr == 0 || length <= 2 {
		return "", false
	}
	if length > 2+sunPathMax {
		length = 2 + sunPathMax
	}
	b := make([]byte, length)
	if readMem(tid, addr, b) != nil {
		return "", false
	}
	if binary.NativeEndian.Uint16(b) != unix.AF_UNIX || b[2] == 0 {
		return "", false
	}
	p := b[2:]
	if i := bytes.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	return string(p), true
}

func sockaddrUn(path string) []byte {
	b := make([]byte, 2+len(path)+1)
	binary.NativeEndian.PutUint16(b, unix.AF_UNIX)
	copy(b[2:], path)
	return b
}

// enterSockAddr translates the AF_UNIX pathname of bind, connect, sendto and sendmsg. A
// host path longer than sun_path allows goes through a short alias in the scratch
// directory: a symlink to the socket for connect, to its directory for bind (the kernel
// follows both); a last name too long even so is bound as a short one, renamed to the
// real one once the socket exists.
func (tr *tracer) enterSockAddr(t *tracee, e *syscalls.Entry) error {
	addrArg, lenArg := sockaddrArgs(e)
	var msghdr []byte
	addr, length := t.regs.arg(addrArg), int(int32(t.regs.arg(lenArg)))
	if e.Kind == syscalls.SendmsgAddr {
		// struct msghdr: msg_name (pointer), msg_namelen (u32), ...
		msghdr = make([]byte, unix.SizeofMsghdr)
		if readMem(t.tid, t.regs.arg(1), msghdr) != nil {
			return nil
		}
		addr = binary.NativeEndian.Uint64(msghdr[0:])
		length = int(binary.NativeEndian.Uint32(msghdr[8:]))
	}
	guest, ok := readSunPath(t.tid, addr, length)
	if !ok {
		return nil
	}
	bind := e.Name == "bind"
	dir := t.fs.cwd
	res := pathmap.Resolver{Table: tr.table, Proc: t, Root: t.fs.root}
	r, err := res.Resolve(dir, guest, !bind)
	if err != nil {
		return err
	}
	host := r.Host
	if len(host) >= sunPathMax {
		tr.naliases++
		alias := filepath.Join(tr.cfg.Scratch, "s", strconv.Itoa(tr.naliases))
		if err := os.MkdirAll(filepath.Dir(alias), 0o700); err != nil {
			return unix.ENAMETOOLONG
		}
		if !bind {
			if err := os.Symlink(host, alias); err != nil {
				return unix.ENAMETOOLONG
			}
		} else {
			// The alias names the socket's directory: the kernel follows it while it
			// looks up where to create the socket, which lands in the real directory
			// whatever file system the scratch directory is on.
			if err := os.Symlink(filepath.Dir(host), alias); err != nil {
				return unix.ENAMETOOLONG
			}
			name := filepath.Base(host)
			if len(alias)+1+len(name) >= sunPathMax {
				// A long last name too: bind a short one in the same directory, renamed
				// to the real one once the socket exists.
				name = ".groot-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(tr.naliases)
				t.aliasFrom, t.aliasTo = filepath.Join(filepath.Dir(host), name), host
				t.exit = exitBindRename
			}
			alias = filepath.Join(alias, name)
		}
		// getsockname and getpeername give back the name as the guest passed it.
		tr.aliases[alias] = guest
		host = alias
	}
	sa := sockaddrUn(host)
	saAddr := t.alloc(len(sa))
	if err := writeMem(t.tid, saAddr, sa); err != nil {
		return err
	}
	if msghdr != nil {
		binary.NativeEndian.PutUint64(msghdr[0:], saAddr)
		binary.NativeEndian.PutUint32(msghdr[8:], uint32(len(sa)))
		mAddr := t.alloc(len(msghdr))
		if err := writeMem(t.tid, mAddr, msghdr); err != nil {
			return err
		}
		t.regs.setArg(1, mAddr)
	} else {
		t.regs.setArg(addrArg, saAddr)
		t.regs.setArg(lenArg, uint64(len(sa)))
	}
	t.modified = true
	if t.exit == exitNone {
		t.exit = exitRestore
	}
	tr.logf(2, "pid %d: %s: unix socket %s -> %s", t.tid, e.Name, guest, host)
	return nil
}

// guestSunPath maps an AF_UNIX pathname the kernel reports back to the guest's view.
func (tr *tracer) guestSunPath(host string) (string, bool) {
	if g, ok := tr.aliases[host]; ok {
		return g, true
	}
	if len(host) == 0 || host[0] != '/' {
		return "", false
	}
	return tr.table.HostToGuest(host)
}

// rewriteSunPath rewrites, in place, the AF_UNIX name the kernel wrote at addr, whose
// length it stored at lenAddr (a socklen_t), with its guest path.
func (tr *tracer) rewriteSunPath(t *tracee, addr, lenAddr uint64, bufLen int) {
	var lb [4]byte
	if addr == 0 || lenAddr == 0 || readMem(t.tid, lenAddr, lb[:]) != nil {
		return
	}
	length := int(binary.NativeEndian.Uint32(lb[:]))
	if length > bufLen {
		length = bufLen
	}
	host, ok := readSunPath(t.tid, addr, length)
	if !ok {
		return
	}
	guest, ok := tr.guestSunPath(host)
	if !ok || guest == host {
		return
	}
	sa := sockaddrUn(guest)
	n := len(sa)
	if n > bufLen {
		n = bufLen
	}
	_ = writeMem(t.tid, addr, sa[:n])
	binary.NativeEndian.PutUint32(lb[:], uint32(len(sa)))
	_ = writeMem(t.tid, lenAddr, lb[:])
}

func (tr *tracer) exitSockName(t *tracee) {
	if t.regs.ret() < 0 {
		return
	}
	e := syscalls.Lookup(t.orig.sysno())
	if e == nil {
		return
	}
	addrArg, lenArg := sockaddrArgs(e)
	addr, lenAddr := t.orig.arg(addrArg), t.orig.arg(lenArg)
	// The caller's buffer size is what *addrlen held on entry; the kernel overwrote it.
	tr.rewriteSunPath(t, addr, lenAddr, 2+sunPathMax)
}

func (tr *tracer) exitRecvmsg(t *tracee) {
	if t.regs.ret() < 0 {
		return
	}
	msghdr := make([]byte, unix.SizeofMsghdr)
	m := t.orig.arg(1)
	if readMem(t.tid, m, msghdr) != nil {
		return
	}
	name := binary.NativeEndian.Uint64(msghdr[0:])
	tr.rewriteSunPath(t, name, m+8, 2+sunPathMax)
}

// openat2How reads struct open_how (include/uapi/linux/openat2.h: flags, mode, resolve,
// all u64): whether the last component is followed, and whether the resolution is
// scoped to the directory fd (RESOLVE_BENEATH refuses, RESOLVE_IN_ROOT re-roots what
// would leave it: "..", absolute paths and symlinks, magic links). A scoped call is
// left to the kernel as the guest made it: its dirfd (or cwd) is the host directory of
// the guest's, below which the kernel's walk is the guest's, bindings aside.
func (tr *tracer) openat2How(t *tracee, howAddr uint64) (how [24]byte, follow, scoped bool) {
	if readMem(t.tid, howAddr, how[:]) != nil {
		return how, true, false // the kernel answers EFAULT
	}
	flags := binary.NativeEndian.Uint64(how[0:])
	resolve := binary.NativeEndian.Uint64(how[16:])
	follow = flags&unix.O_NOFOLLOW == 0 && flags&(unix.O_CREAT|unix.O_EXCL) != unix.O_CREAT|unix.O_EXCL &&
		resolve&unix.RESOLVE_NO_SYMLINKS == 0
	return how, follow, resolve&(unix.RESOLVE_BENEATH|unix.RESOLVE_IN_ROOT) != 0
}

// clearScope gives the kernel a copy of struct open_how (how, as openat2How read it)
// without RESOLVE_BENEATH and RESOLVE_IN_ROOT.
func (tr *tracer) clearScope(t *tracee, how [24]byte) {
	resolve := binary.NativeEndian.Uint64(how[16:])
	binary.NativeEndian.PutUint64(how[16:], resolve&^(unix.RESOLVE_BENEATH|unix.RESOLVE_IN_ROOT))
	if a := t.alloc(len(how)); writeMem(t.tid, a, how[:]) == nil {
		t.regs.setArg(2, a)
		t.modified = true
	}
}

// bindingWithin reports whether a binding (or glue) lies strictly below the directory a
// scoped openat2 resolves in: its dirfd's guest directory, or the cwd.
func (tr *tracer) bindingWithin(t *tracee, p syscalls.PathArg) bool {
	dir := t.fs.cwd
	if fd := int32(t.regs.arg(p.Dirfd)); fd != unix.AT_FDCWD {
		d, _, err := tr.fdGuestPath(t, int(fd))
		if err != nil {
			return false // no guest directory (the kernel answers), or outside the bindings
		}
		dir = d
	}
	for _, b := range tr.table.All() {
		if b.Guest != "/" && b.Guest != dir && (dir == "/" || hasPrefixDir(b.Guest, dir)) {
			return true
		}
	}
	return false
}

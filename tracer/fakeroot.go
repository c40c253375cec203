package tracer

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/creds"
	"github.com/groot-sandbox/groot/ownership"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// Fake root (-0, -i UID:GID) in the ptrace engine. The guest's identities are emulated per
// task (package creds); ownership, refused modes and device nodes the guest sets are kept
// in an inode-keyed table (package ownership) and shown in every stat result. The real
// files stay the real user's: what the kernel would refuse an unprivileged user (chown,
// chmod of another's file, mknod of a device) is recorded instead of done.
//
// Which syscalls gain a stop under fake root, and why:
//   - fstat, fchown, fchmod and the id calls (getuid ... setgroups), prctl: they carry no
//     path, so only fake root traces them; the id calls and chown are answered in the
//     tracer (one stop, no exit stop).
//   - the stat family needs an exit stop to fix the owner, mode and rdev the kernel wrote;
//     newfstatat/statx with AT_EMPTY_PATH (glibc's fstat) stop too, since the filter's
//     fast path would let them through unseen.
//   - unlink and rename need an exit stop only when they touch an inode the table holds.
type fakeRoot struct {
	table   *ownership.Table
	db      string
	initial *creds.Set
	realUID uint32
	realGID uint32
}

// exit actions of fake root.
const (
	fakeExitNone uint8 = iota
	fakeExitStat
	fakeExitStatx
	fakeExitMknod
	fakeExitUnlink
	fakeExitRename
	fakeExitCreate
	fakeExitPrivileged
	fakeExitRemoveCopy
)

// fakeState is a task's fake-root bookkeeping between a syscall's entry and exit stops.
type fakeState struct {
	exit     uint8
	arg      int // the syscall argument the exit reads
	key      ownership.Key
	mode     uint32 // mknod: the device's mode
	rdev     uint64 // mknod: its number
	uid, gid uint32 // mknod, create: the new entry's owner (newEntryOwner)
	from, to string // rename: real host paths
	replaced ownership.Key
	exchange bool
}

// struct statx offsets (include/uapi/linux/stat.h), the same on every architecture; the
// tracer reads up to the end of stx_dev_minor.
const (
	statxUID       = 20
	statxGID       = 24
	statxMode      = 28 // __u16
	statxIno       = 32
	statxRdevMajor = 128
	statxRdevMinor = 132
	statxDevMajor  = 136
	statxDevMinor  = 140
	statxSize      = 144
)

// tracerPath is a path the tracer can use itself for path argument k of the current
// syscall: absolute host paths as they are; a relative one through the tracee's
// /proc/TID/cwd or /proc/TID/fd/N; the dirfd itself (AT_EMPTY_PATH, or a syscall that
// takes only an fd) as /proc/TID/fd/N, which must then be followed. ok is false for
// a NULL path.
func (t *tracee) tracerPath(e *syscalls.Entry, k int) (path string, follow, ok bool) {
	proc := "/proc/" + strconv.Itoa(t.tid)
	if len(e.Paths) == 0 {
		return proc + "/fd/" + strconv.Itoa(int(int32(t.orig.arg(0)))), true, true
	}
	p := e.Paths[k]
	s := t.argHost[k]
	dirfd := int32(unix.AT_FDCWD)
	if p.Dirfd >= 0 {
		dirfd = int32(t.orig.arg(p.Dirfd))
	}
	switch {
	case !t.argSet[k]:
		return "", false, false
	case s == "" && dirfd != unix.AT_FDCWD:
		return proc + "/fd/" + strconv.Itoa(int(dirfd)), true, true
	case s == "":
		return proc + "/cwd", true, true
	case strings.HasPrefix(s, "/"):
		return s, t.argFollow[k], true
	case dirfd != unix.AT_FDCWD:
		return proc + "/fd/" + strconv.Itoa(int(dirfd)) + "/" + s, t.argFollow[k], true
	}
	return proc + "/cwd/" + s, t.argFollow[k], true
}

// realPath turns a tracerPath into the file's host path, for the database: without the
// trailing slash a call's own entry keeps for the kernel (ownsLastComponent).
func realPath(p string) string {
	p = trimSlashes(p)
	rest, ok := strings.CutPrefix(p, "/proc/")
	if !ok {
		return p
	}
	parts := strings.SplitN(rest, "/", 4) // TID, cwd|fd, [N], rest
	var link, tail string
	switch {
	case len(parts) >= 2 && parts[1] == "cwd":
		link = "/proc/" + parts[0] + "/cwd"
		tail = strings.TrimPrefix(rest, parts[0]+"/cwd")
	case len(parts) >= 3 && parts[1] == "fd":
		link = "/proc/" + parts[0] + "/fd/" + parts[2]
		tail = strings.TrimPrefix(rest, parts[0]+"/fd/"+parts[2])
	default:
		return p
	}
	dir, err := readlinkHost(link)
	if err != nil {
		return p
	}
	return dir + tail
}

func statPath(path string, follow bool) (ownership.Key, ownership.Attr, unix.Stat_t, error) {
	var st unix.Stat_t
	flags := 0
	if !follow {
		flags = unix.AT_SYMLINK_NOFOLLOW
	}
	if err := unix.Fstatat(unix.AT_FDCWD, path, &st, flags); err != nil {
		return ownership.Key{}, ownership.Attr{}, st, err
	}
	return ownership.Key{Dev: st.Dev, Ino: st.Ino}, ownership.Attr{UID: st.Uid, GID: st.Gid, Mode: st.Mode, Rdev: st.Rdev}, st, nil
}

func errnoOf(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EIO
}

// fakeEnter is fake root's part of a syscall entry, after its paths were translated.
func (tr *tracer) fakeEnter(t *tracee, e *syscalls.Entry) error {
	fr := tr.fake
	t.fakeSt.exit = fakeExitNone
	switch e.Fake {
	case syscalls.FakeStat, syscalls.FakeStatx:
		if tr.fakeStat(t, e) {
			return nil
		}
		// Not answerable in the tracer: fix the kernel's answer at the exit stop.
		t.fakeSt.exit, t.fakeSt.arg = fakeExitStat, e.FakeArg
		if e.Fake == syscalls.FakeStatx {
			t.fakeSt.exit = fakeExitStatx
		}
	case syscalls.FakePrivileged:
		if t.creds.EUID == 0 {
			t.fakeSt.exit = fakeExitPrivileged
		}
	case syscalls.FakeChown:
		return tr.fakeChown(t, e)
	case syscalls.FakeChmod:
		return tr.fakeChmod(t, e)
	case syscalls.FakeMknod:
		mode := uint32(t.orig.arg(e.FakeArg))
		typ := mode & unix.S_IFMT
		if typ != unix.S_IFCHR && typ != unix.S_IFBLK {
			return tr.fakeCreate(t, e) // a FIFO, socket or regular file: only its owner
		}
		if t.creds.EUID != 0 {
			return unix.EPERM // CAP_MKNOD
		}
		// A regular file stands in for the device; the table remembers what it is.
		t.regs.setArg(e.FakeArg, uint64(unix.S_IFREG|mode&07777|0o600))
		t.regs.setArg(e.FakeArg+1, 0)
		t.modified = true
		if t.exit == exitNone {
			t.exit = exitRestore
		}
		t.fakeSt.exit, t.fakeSt.mode, t.fakeSt.rdev = fakeExitMknod, mode, t.orig.arg(e.FakeArg+1)
		t.fakeSt.uid, t.fakeSt.gid = t.creds.FSUID, t.creds.FSGID
		if path, _, ok := t.tracerPath(e, 0); ok {
			t.fakeSt.uid, t.fakeSt.gid = tr.newEntryOwner(t, path)
		}
	case syscalls.FakeAccess:
		return tr.fakeAccess(t, e)
	case syscalls.FakeUnlink:
		if fr.table.Len() == 0 {
			return nil
		}
		path, _, ok := t.tracerPath(e, 0)
		if !ok {
			return nil
		}
		k, _, st, err := statPath(path, false)
		if err == nil && fr.table.Has(k) && (st.Nlink <= 1 || st.Mode&unix.S_IFMT == unix.S_IFDIR) {
			t.fakeSt.exit, t.fakeSt.key = fakeExitUnlink, k
		}
	case syscalls.FakeRename:
		if fr.table.Len() == 0 {
			return nil
		}
		from, _, ok1 := t.tracerPath(e, 0)
		to, _, ok2 := t.tracerPath(e, 1)
		if !ok1 || !ok2 {
			return nil
		}
		var flags uint64
		if e.FakeArg >= 0 {
			flags = t.orig.arg(e.FakeArg)
		}
		s := &t.fakeSt
		s.from, s.to, s.replaced, s.exchange = realPath(from), realPath(to), ownership.Key{}, flags&unix.RENAME_EXCHANGE != 0
		if k, _, st, err := statPath(to, false); err == nil && fr.table.Has(k) && (st.Nlink <= 1 || st.Mode&unix.S_IFMT == unix.S_IFDIR) && !s.exchange {
			s.replaced = k
		}
		if s.replaced != (ownership.Key{}) || fr.table.HoldsBelow(s.from) || s.exchange && fr.table.HoldsBelow(s.to) {
			s.exit = fakeExitRename
		}
	case syscalls.FakeCreate:
		if err := tr.fakeProcStatus(t, e); err != nil || t.fakeSt.exit != fakeExitNone {
			return err
		}
		return tr.fakeCreate(t, e)
	case syscalls.FakeID:
		return tr.fakeID(t, e)
	case syscalls.FakePrctl:
		if t.orig.arg(0) == unix.PR_GET_NO_NEW_PRIVS {
			// The seccomp filter needs no_new_privs, which makes sudo and su refuse to
			// run; a real root without the filter would see 0.
			t.skip(0)
		}
	}
	return nil
}

// fakeExit is fake root's part of a syscall exit, before the argument registers are
// restored.
func (tr *tracer) fakeExit(t *tracee) {
	fr := tr.fake
	s := &t.fakeSt
	ret := t.regs.ret()
	switch s.exit {
	case fakeExitPrivileged:
		// PRoot's rule (src/extension/fake_id0/fake_id0.c): only a permission error is
		// overridden, what root would have had the privilege for; the attribute itself
		// is not kept (a later getxattr finds none).
		if ret == -int64(unix.EPERM) {
			t.regs.setRet(0)
		}
	case fakeExitStat, fakeExitStatx:
		if ret == 0 {
			tr.fixStat(t, t.orig.arg(s.arg), s.exit == fakeExitStatx)
		}
	case fakeExitMknod:
		if ret == 0 {
			e := syscalls.Lookup(t.orig.sysno())
			if path, _, ok := t.tracerPath(e, 0); ok {
				if k, a, _, err := statPath(path, false); err == nil {
					fr.table.Mknod(k, realPath(path), s.mode&^umask(t.tid), s.rdev)
					tr.fakeOwnNew(t, k, realPath(path), a, s.uid, s.gid)
				}
			}
		}
	case fakeExitCreate:
		if ret >= 0 {
			e := syscalls.Lookup(t.orig.sysno())
			if path, _, ok := t.tracerPath(e, 0); ok {
				if k, a, _, err := statPath(path, false); err == nil {
					if s.mode != ownership.Keep {
						fr.table.Chmod(k, realPath(path), a, s.mode&^umask(t.tid), true)
					}
					tr.fakeOwnNew(t, k, realPath(path), a, s.uid, s.gid)
				}
			}
		}
	case fakeExitUnlink:
		if ret == 0 {
			fr.table.Remove(s.key)
		}
	case fakeExitRemoveCopy:
		os.Remove(s.from) // the guest holds the copy open, or failed to
	case fakeExitRename:
		if ret == 0 {
			if s.replaced != (ownership.Key{}) {
				fr.table.Remove(s.replaced)
			}
			if s.exchange {
				tmp := s.to + "\x00groot-exchange"
				fr.table.Renamed(s.to, tmp)
				fr.table.Renamed(s.from, s.to)
				fr.table.Renamed(tmp, s.from)
			} else {
				fr.table.Renamed(s.from, s.to)
			}
		}
	}
	s.exit = fakeExitNone
}

// ownerBits are the permission bits fake root keeps for the real user on a file or
// directory it creates (and on the mode chown leaves when it clears set-user-ID), with
// the mode asked for kept in the table: dpkg makes directories with mode 0 and fills them
// afterwards, which would otherwise take the permission bypass (dacoverride.go) for every
// file it puts there.
func ownerBits(mode uint32) uint32 {
	if mode&unix.S_IFMT == unix.S_IFDIR {
		return 0o700
	}
	return 0o600
}

// fakeCreate keeps the owner's access bits in the mode of a file or directory about to be
// created (dpkg makes directories with mode 0 and fills them afterwards, which root may
// do), and records the mode asked for. The new entry's owner (newEntryOwner) is recorded
// too where it is not what the real user's files show: after su, or in a set-group-ID
// directory whose group the guest set. Only these cases need the exit stop. Symlinks
// and the FIFOs, sockets and regular files of mknod have only an owner to record.
func (tr *tracer) fakeCreate(t *tracee, e *syscalls.Entry) error {
	typ := uint32(unix.S_IFREG)
	switch e.Name {
	case "mkdir", "mkdirat":
		typ = unix.S_IFDIR
	case "symlink", "symlinkat", "mknod", "mknodat":
		typ = 0
	case "open", "openat":
		flags := t.orig.arg(e.Paths[0].Flags)
		if flags&unix.O_CREAT == 0 || flags&unix.O_TMPFILE == unix.O_TMPFILE {
			return nil
		}
	}
	var mode, bits uint32
	if typ != 0 {
		mode, bits = uint32(t.orig.arg(e.FakeArg))&07777, ownerBits(typ)
	}
	path, _, ok := t.tracerPath(e, 0)
	if !ok {
		return nil
	}
	uid, gid := tr.newEntryOwner(t, path)
	newOwner := uid != tr.fake.initial.EUID || gid != tr.fake.initial.EGID
	if mode&bits == bits && !newOwner {
		return nil
	}
	if typ == unix.S_IFREG {
		if _, _, _, err := statPath(path, true); err == nil {
			return nil // open without O_EXCL of an existing file: the mode is not used
		}
	}
	t.fakeSt.exit, t.fakeSt.mode, t.fakeSt.uid, t.fakeSt.gid = fakeExitCreate, ownership.Keep, uid, gid
	if mode&bits != bits {
		t.fakeSt.mode = mode
		t.regs.setArg(e.FakeArg, uint64(mode|bits))
		t.modified = true
		if t.exit == exitNone {
			t.exit = exitRestore
		}
	}
	return nil
}

// newEntryOwner is the owner the kernel gives a new entry at path (a tracerPath), as the
// guest sees ids: the task's fs ids, and the group of its directory when that is
// set-group-ID (fs/inode.c, inode_init_owner). The directory is looked at only when its
// group can differ from what the kernel gives the real file: when the table has held a
// group (a chown of the directory), or the task's fs ids are not the real user's.
func (tr *tracer) newEntryOwner(t *tracee, path string) (uid, gid uint32) {
	c, fr := t.creds, tr.fake
	uid, gid = c.FSUID, c.FSGID
	if !fr.table.HeldGroups() && uid == fr.initial.EUID && gid == fr.initial.EGID {
		return uid, gid
	}
	k, dir, _, err := statPath(filepath.Dir(trimSlashes(path)), true)
	if err != nil {
		return uid, gid
	}
	tr.statView(k, &dir)
	if dir.Mode&unix.S_ISGID != 0 {
		gid = dir.GID
	}
	return uid, gid
}

// umask reads a task's umask from /proc/TID/status (Linux 4.7).
func umask(tid int) uint32 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0o022
	}
	if _, rest, ok := strings.Cut(string(data), "\nUmask:\t"); ok {
		if v, err := strconv.ParseUint(strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0]), 8, 32); err == nil {
			return uint32(v)
		}
	}
	return 0o022
}

// fakeOwnNew records uid and gid as the owner of a file the task just created, when they
// differ from those the real user's files show.
func (tr *tracer) fakeOwnNew(t *tracee, k ownership.Key, path string, real ownership.Attr, uid, gid uint32) {
	if uid != tr.fake.initial.EUID || gid != tr.fake.initial.EGID {
		tr.fake.table.Owner(k, path, real, uid, gid)
	}
}

// fakeStat answers a stat-family call in the tracer with the fake view applied
// (answerStat).
func (tr *tracer) fakeStat(t *tracee, e *syscalls.Entry) bool {
	return tr.answerStat(t, e, tr.statView)
}

// statView is what a stat result shows under fake root: the table's view, of the mode
// the file has when no loan of the permission bypass is on it.
func (tr *tracer) statView(k ownership.Key, a *ownership.Attr) {
	if l := tr.loans[k]; l != nil {
		a.Mode = a.Mode&^0o7777 | l.orig
	}
	tr.fake.table.View(k, a)
}

// fixStat rewrites the owner, mode and rdev of the struct stat or statx the kernel wrote
// at addr with the fake view of the file.
func (tr *tracer) fixStat(t *tracee, addr uint64, statx bool) {
	var buf [statxSize]byte
	b := buf[:statSize]
	if statx {
		b = buf[:statxSize]
	}
	if readMem(t.tid, addr, b) != nil {
		return
	}
	le := binary.LittleEndian
	var k ownership.Key
	var a ownership.Attr
	if statx {
		k = ownership.Key{Dev: unix.Mkdev(le.Uint32(b[statxDevMajor:]), le.Uint32(b[statxDevMinor:])), Ino: le.Uint64(b[statxIno:])}
		a = ownership.Attr{UID: le.Uint32(b[statxUID:]), GID: le.Uint32(b[statxGID:]), Mode: uint32(le.Uint16(b[statxMode:])),
			Rdev: unix.Mkdev(le.Uint32(b[statxRdevMajor:]), le.Uint32(b[statxRdevMinor:]))}
	} else {
		k = ownership.Key{Dev: le.Uint64(b[statDev:]), Ino: le.Uint64(b[statIno:])}
		a = ownership.Attr{UID: le.Uint32(b[statUID:]), GID: le.Uint32(b[statGID:]), Mode: le.Uint32(b[statMode:]), Rdev: le.Uint64(b[statRdev:])}
	}
	v := a
	tr.statView(k, &v)
	if v == a {
		return
	}
	if statx {
		le.PutUint32(b[statxUID:], v.UID)
		le.PutUint32(b[statxGID:], v.GID)
		le.PutUint16(b[statxMode:], uint16(v.Mode))
		le.PutUint32(b[statxRdevMajor:], unix.Major(v.Rdev))
		le.PutUint32(b[statxRdevMinor:], unix.Minor(v.Rdev))
	} else {
		le.PutUint32(b[statUID:], v.UID)
		le.PutUint32(b[statGID:], v.GID)
		le.PutUint32(b[statMode:], v.Mode)
		le.PutUint64(b[statRdev:], v.Rdev)
	}
	_ = writeMem(t.tid, addr, b)
}

// fakeChown records chown in the table and skips the call. Fake root may give any file
// to anyone; another fake user only what chown(2) allows an unprivileged owner: the group,
// to one of its groups.
func (tr *tracer) fakeChown(t *tracee, e *syscalls.Entry) error {
	path, follow, ok := t.tracerPath(e, 0)
	if !ok {
		return nil // NULL path: the kernel's EFAULT
	}
	k, real, _, err := statPath(path, follow)
	if err != nil {
		return errnoOf(err)
	}
	uid, gid := uint32(t.orig.arg(e.FakeArg)), uint32(t.orig.arg(e.FakeArg+1))
	view := real
	tr.fake.table.View(k, &view)
	c := t.creds
	if c.EUID != 0 {
		if c.FSUID != view.UID || uid != ownership.Keep && uid != view.UID || gid != ownership.Keep && gid != view.GID && !c.InGroup(gid) {
			return unix.EPERM
		}
	}
	host := realPath(path)
	tr.fake.table.Chown(k, host, real, uid, gid)
	// chown clears set-user-ID, and set-group-ID with group execute, of a non-directory,
	// even for root (fs/attr.c: chown_common sets ATTR_KILL_SUID / ATTR_KILL_SGID).
	if (uid != ownership.Keep || gid != ownership.Keep) && view.Mode&unix.S_IFMT != unix.S_IFDIR {
		kill := view.Mode & unix.S_ISUID
		if view.Mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
			kill |= unix.S_ISGID
		}
		if kill != 0 {
			perm := view.Mode & 07777 &^ kill
			applied := perm | ownerBits(real.Mode)
			refused := unix.Fchmodat(unix.AT_FDCWD, path, applied, 0) != nil
			tr.fake.table.Chmod(k, host, real, perm, refused || applied != perm)
		}
	}
	t.skip(0)
	return nil
}

// fakeChmod makes the change in the tracer (the kernel checks the real user's right) and
// records what the kernel refuses: fake root (CAP_FOWNER) may change any file's mode.
func (tr *tracer) fakeChmod(t *tracee, e *syscalls.Entry) error {
	path, follow, ok := t.tracerPath(e, 0)
	if !ok {
		return nil
	}
	mode := uint32(t.orig.arg(e.FakeArg)) & 07777
	k, real, _, err := statPath(path, follow)
	if err != nil {
		return errnoOf(err)
	}
	if !follow && real.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.EOPNOTSUPP // fchmodat2(AT_SYMLINK_NOFOLLOW) on a symlink
	}
	// Not a symlink (or followed): chmod through the path itself is the same change. The
	// mode is applied as asked, even without the owner's access bits: root's later access
	// goes through the permission bypass (dacoverride.go), and what stays on disk is what
	// root set, as PRoot leaves it (its test 1fedd9a3 checks the mode from outside).
	err = unix.Fchmodat(unix.AT_FDCWD, path, mode, 0)
	switch err {
	case nil:
		tr.chmodOnLoan(k, mode)
		tr.fake.table.Chmod(k, realPath(path), real, mode, false)
	case unix.EPERM:
		view := real
		tr.fake.table.View(k, &view)
		if t.creds.EUID != 0 && t.creds.FSUID != view.UID {
			return unix.EPERM
		}
		tr.fake.table.Chmod(k, realPath(path), real, mode, true)
	default:
		return errnoOf(err)
	}
	t.skip(0)
	return nil
}

// fakeAccess answers access, faccessat and faccessat2 as the kernel answers root (the
// checking id is the real uid, or the effective one with AT_EACCESS): read and write are
// granted on what the real user may access or could chmod (its own files), execute on
// what has an execute bit, search on every directory. Other tasks are checked by the
// kernel, as the real user.
func (tr *tracer) fakeAccess(t *tracee, e *syscalls.Entry) error {
	mode := uint32(t.orig.arg(e.FakeArg))
	var flags uint64
	if e.Name == "faccessat2" {
		flags = t.orig.arg(e.FakeArg + 1)
	}
	id := t.creds.RUID
	if flags&unix.AT_EACCESS != 0 {
		id = t.creds.EUID
	}
	if id != 0 || mode&^uint32(unix.F_OK) == 0 || mode&^7 != 0 {
		return nil // the kernel answers (also EINVAL for bad bits)
	}
	path, follow, ok := t.tracerPath(e, 0)
	if !ok {
		return nil
	}
	k, real, _, err := statPath(path, follow)
	if err != nil {
		return errnoOf(err)
	}
	kflags := 0
	if !follow {
		kflags = unix.AT_SYMLINK_NOFOLLOW
	}
	kerr := unix.Faccessat(unix.AT_FDCWD, path, mode, kflags)
	switch {
	case kerr == nil:
	case kerr == unix.EACCES:
		view := real
		tr.fake.table.View(k, &view)
		if mode&unix.X_OK != 0 && view.Mode&unix.S_IFMT != unix.S_IFDIR && view.Mode&0o111 == 0 {
			return unix.EACCES
		}
		if mode&(unix.R_OK|unix.W_OK) != 0 && real.UID != tr.fake.realUID {
			return unix.EACCES
		}
	default:
		return errnoOf(kerr)
	}
	t.skip(0)
	return nil
}

// fakeID emulates the getuid and setuid families on the task's fake identities.
func (tr *tracer) fakeID(t *tracee, e *syscalls.Entry) error {
	c := t.creds
	a := func(i int) uint32 { return uint32(t.orig.arg(i)) }
	put3 := func(x, y, z uint32) error {
		for i, v := range []uint32{x, y, z} {
			var b [4]byte
			binary.LittleEndian.PutUint32(b[:], v)
			if writeMem(t.tid, t.orig.arg(i), b[:]) != nil {
				return unix.EFAULT
			}
		}
		return nil
	}
	var err error
	ret := int64(0)
	switch e.Name {
	case "getuid":
		ret = int64(c.RUID)
	case "geteuid":
		ret = int64(c.EUID)
	case "getgid":
		ret = int64(c.RGID)
	case "getegid":
		ret = int64(c.EGID)
	case "getresuid":
		err = put3(c.RUID, c.EUID, c.SUID)
	case "getresgid":
		err = put3(c.RGID, c.EGID, c.SGID)
	case "getgroups":
		size := int(int32(a(0)))
		switch {
		case size < 0:
			err = unix.EINVAL
		case size == 0:
			ret = int64(len(c.Groups))
		case size < len(c.Groups):
			err = unix.EINVAL
		default:
			b := make([]byte, 4*len(c.Groups))
			for i, g := range c.Groups {
				binary.LittleEndian.PutUint32(b[4*i:], g)
			}
			if writeMem(t.tid, t.orig.arg(1), b) != nil {
				err = unix.EFAULT
			}
			ret = int64(len(c.Groups))
		}
	case "setgroups":
		size := int(int32(a(0)))
		if size < 0 || size > creds.NGroupsMax {
			err = unix.EINVAL
			break
		}
		b := make([]byte, 4*size)
		if readMem(t.tid, t.orig.arg(1), b) != nil && size > 0 {
			err = unix.EFAULT
			break
		}
		g := make([]uint32, size)
		for i := range g {
			g[i] = binary.LittleEndian.Uint32(b[4*i:])
		}
		err = c.SetGroups(g)
	case "setuid":
		err = c.SetUID(a(0))
	case "setgid":
		err = c.SetGID(a(0))
	case "setreuid":
		err = c.SetREUID(a(0), a(1))
	case "setregid":
		err = c.SetREGID(a(0), a(1))
	case "setresuid":
		err = c.SetRESUID(a(0), a(1), a(2))
	case "setresgid":
		err = c.SetRESGID(a(0), a(1), a(2))
	case "setfsuid":
		ret = int64(c.SetFSUID(a(0)))
	case "setfsgid":
		ret = int64(c.SetFSGID(a(0)))
	default:
		return nil
	}
	if err != nil {
		return err
	}
	t.skip(ret)
	return nil
}

// fakeExec applies a set-user-ID or set-group-ID program's owner (ExecOwner: the owner
// the guest set, or root for the rootfs's own files) to the task's identities when it
// execs (the kernel ignores the bits: no_new_privs is set, and the real owner is the real
// user anyway).
func (tr *tracer) fakeExec(t *tracee, host string) {
	k, real, _, err := statPath(host, true)
	if err != nil {
		return
	}
	view := real
	tr.fake.table.View(k, &view) // the mode the guest set, a refused chmod u+s included
	uid, gid := tr.fake.table.ExecOwner(k, real)
	t.creds.Exec(view.Mode, uid, gid)
}

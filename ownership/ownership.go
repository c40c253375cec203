// Package ownership is fake root's file-ownership table: the owners, modes and device
// numbers that the guest set but the kernel would not let an unprivileged user set, keyed
// by inode, reported in place of the real ones, and optionally kept in a database file
// between runs (--fake-db).
//
// What the guest sees of a file's owner and mode is:
//   - what the table says, for a field it holds (chown, a refused chmod, mknod of a device);
//   - otherwise the real owner, except that the real user's uid and gid appear as the fake
//     ids (-0: 0 and 0; -i UID:GID: those), as fakeroot(1) and PRoot show them.
//
// The table holds only differences from that default view, so the common fake-root work
// (dpkg extracting root:root files as the real user) leaves it empty.
package ownership

import (
	"sort"
	"strings"
)

// Key names an inode: st_dev and st_ino.
type Key struct{ Dev, Ino uint64 }

// Attr is the part of a stat result fake root may change.
type Attr struct {
	UID, GID uint32
	Mode     uint32 // st_mode: file type and permission bits
	Rdev     uint64
}

// Keep marks an owner field chown leaves as it is (the -1 of chown(2)).
const Keep = ^uint32(0)

// entry is one inode's differences from the default view.
type entry struct {
	uid, gid       uint32 // Keep: not held
	mode           uint32 // 0: not held; else type and permission bits
	rdev           uint64 // with a device type in mode
	path           string // host path where the file was last seen, for the database
	hasUID, hasGID bool
}

// Table is one run's fake ownership.
type Table struct {
	realUID, realGID uint32
	fakeUID, fakeGID uint32
	entries          map[Key]*entry
	changed          bool
	groups           bool // an entry has held a group: see HeldGroups
}

// New returns an empty table for a run whose real user realUID:realGID appears as
// fakeUID:fakeGID.
func New(realUID, realGID, fakeUID, fakeGID uint32) *Table {
	return &Table{realUID: realUID, realGID: realGID, fakeUID: fakeUID, fakeGID: fakeGID, entries: make(map[Key]*entry)}
}

// Len is the number of inodes the table holds.
func (t *Table) Len() int { return len(t.entries) }

// HeldGroups reports whether the table has held a group for some inode in this run (or
// loaded one): only then can a directory's group differ from what its real file shows,
// and a file created in it need a look at it (set-group-ID directories).
func (t *Table) HeldGroups() bool { return t.groups }

// Has reports whether the table holds anything for k.
func (t *Table) Has(k Key) bool { _, ok := t.entries[k]; return ok }

// View changes a, the kernel's answer for inode k, into what the guest sees.
func (t *Table) View(k Key, a *Attr) {
	t.defaults(a)
	e := t.entries[k]
	if e == nil {
		return
	}
	if e.hasUID {
		a.UID = e.uid
	}
	if e.hasGID {
		a.GID = e.gid
	}
	if e.mode != 0 {
		a.Mode = e.mode
		a.Rdev = e.rdev
	}
}

// ExecOwner is the owner a set-user-ID or set-group-ID program of inode k (real: its real
// attributes) makes the euid or egid at exec. An owner the guest set is that owner; a file
// the real user owns, that is, the rootfs's own, counts as root's, as PRoot takes it
// (src/extension/fake_id0/fake_id0.c: any S_ISUID program gives euid 0): the tree was
// root's before the real user unpacked it, and sudo, su or passwd under -i must work.
func (t *Table) ExecOwner(k Key, real Attr) (uid, gid uint32) {
	uid, gid = real.UID, real.GID
	if uid == t.realUID {
		uid = 0
	}
	if gid == t.realGID {
		gid = 0
	}
	if e := t.entries[k]; e != nil {
		if e.hasUID {
			uid = e.uid
		}
		if e.hasGID {
			gid = e.gid
		}
	}
	return uid, gid
}

// defaults applies the default view: the real user's ids appear as the fake ones.
func (t *Table) defaults(a *Attr) {
	if a.UID == t.realUID {
		a.UID = t.fakeUID
	}
	if a.GID == t.realGID {
		a.GID = t.fakeGID
	}
}

// Chown records chown(k, uid, gid) on the file at host path path whose real attributes
// are real. Either id may be Keep.
func (t *Table) Chown(k Key, path string, real Attr, uid, gid uint32) {
	e := t.entry(k, path)
	def := real
	t.defaults(&def)
	if uid != Keep {
		e.uid, e.hasUID = uid, uid != def.UID
	}
	if gid != Keep {
		e.gid, e.hasGID = gid, gid != def.GID
		t.groups = t.groups || e.hasGID
	}
	t.tidy(k, e)
}

// Chmod records a mode the guest set: perm holds the permission bits (07777) and real is
// the file's real attributes. When the real file got exactly these bits only a fake file
// type the table holds needs them too; hold says it did not (the kernel refused, or the
// tracer kept the owner's access bits the guest took away), so the table must hold them.
func (t *Table) Chmod(k Key, path string, real Attr, perm uint32, hold bool) {
	e := t.entries[k]
	switch {
	case e != nil && e.mode != 0:
		e.mode = e.mode&^07777 | perm&07777
	case hold:
		e = t.entry(k, path)
		e.mode = real.Mode&^07777 | perm&07777
		e.rdev = real.Rdev
	default:
		return
	}
	t.changed = true
	t.tidy(k, e)
}

// Mknod records a device node the guest made, which exists on the host as a regular
// placeholder file: mode is the device's type and permission bits, rdev its number.
func (t *Table) Mknod(k Key, path string, mode uint32, rdev uint64) {
	e := t.entry(k, path)
	e.mode, e.rdev = mode, rdev
	t.changed = true
}

// Owner records the owner of a file the guest just created, when the creating task's
// fs ids are not what the real user's files show by default (a guest that switched to
// another user with su, for example).
func (t *Table) Owner(k Key, path string, real Attr, uid, gid uint32) {
	t.Chown(k, path, real, uid, gid)
}

// Remove forgets inode k, whose last name the guest removed (the inode number may be
// reused by the next file created).
func (t *Table) Remove(k Key) {
	if _, ok := t.entries[k]; ok {
		delete(t.entries, k)
		t.changed = true
	}
}

// Renamed follows a rename of the host path from to to: entries recorded at from, or
// below it for a directory, move with it.
func (t *Table) Renamed(from, to string) {
	for _, e := range t.entries {
		if rest, ok := strings.CutPrefix(e.path, from); ok && (rest == "" || rest[0] == '/') {
			e.path = to + rest
			t.changed = true
		}
	}
}

// HoldsBelow reports whether an entry's path is dir or lies under it: renaming dir must
// then be followed.
func (t *Table) HoldsBelow(dir string) bool {
	for _, e := range t.entries {
		if e.path == dir || strings.HasPrefix(e.path, dir+"/") {
			return true
		}
	}
	return false
}

func (t *Table) entry(k Key, path string) *entry {
	e := t.entries[k]
	if e == nil {
		e = &entry{}
		t.entries[k] = e
	}
	e.path = path
	t.changed = true
	return e
}

// tidy drops an entry that no longer differs from the default view.
func (t *Table) tidy(k Key, e *entry) {
	if !e.hasUID && !e.hasGID && e.mode == 0 {
		delete(t.entries, k)
	}
}

// paths lists the entries' keys sorted by path, for a stable database file.
func (t *Table) keysByPath() []Key {
	keys := make([]Key, 0, len(t.entries))
	for k := range t.entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return t.entries[keys[i]].path < t.entries[keys[j]].path })
	return keys
}

// Package creds emulates a task's user and group identities for fake root (-0, -i): the
// real, effective, saved and file-system ids and the supplementary groups, changed by the
// same rules the kernel applies (kernel/sys.c, kernel/groups.c). It holds no ptrace and no
// file-system code: the tracer asks it what a setuid-family call does and what the
// getuid family answers.
//
// "Privileged" here means what it means for a task in the initial user namespace with
// the default securebits: CAP_SETUID and CAP_SETGID are in the effective set exactly when
// the effective uid is 0 (capabilities(7), "Effect of user ID changes on capabilities").
package creds

import "golang.org/x/sys/unix"

// Set is one task's identities. The zero value is root with no supplementary groups.
type Set struct {
	RUID, EUID, SUID, FSUID uint32
	RGID, EGID, SGID, FSGID uint32
	Groups                  []uint32
}

// Keep is the "-1" argument of the set*id calls: leave this id unchanged.
const Keep = ^uint32(0)

// NGroupsMax is the kernel's NGROUPS_MAX (include/uapi/linux/limits.h).
const NGroupsMax = 65536

// New returns the identities of a task whose every uid is uid and every gid is gid.
func New(uid, gid uint32) *Set {
	return &Set{RUID: uid, EUID: uid, SUID: uid, FSUID: uid, RGID: gid, EGID: gid, SGID: gid, FSGID: gid}
}

// Clone returns an independent copy (fork and clone copy a task's credentials).
func (s *Set) Clone() *Set {
	c := *s
	c.Groups = append([]uint32(nil), s.Groups...)
	return &c
}

func (s *Set) privileged() bool { return s.EUID == 0 }

// SetUID is setuid(2): a privileged caller sets all four uids, another may set its
// effective (and fs) uid to its real or saved one (__sys_setuid).
func (s *Set) SetUID(uid uint32) error {
	if uid == Keep {
		return unix.EINVAL
	}
	switch {
	case s.privileged():
		s.RUID, s.SUID = uid, uid
	case uid != s.RUID && uid != s.SUID:
		return unix.EPERM
	}
	s.EUID, s.FSUID = uid, uid
	return nil
}

// SetGID is setgid(2), with CAP_SETGID in place of CAP_SETUID (__sys_setgid).
func (s *Set) SetGID(gid uint32) error {
	if gid == Keep {
		return unix.EINVAL
	}
	switch {
	case s.privileged():
		s.RGID, s.SGID = gid, gid
	case gid != s.RGID && gid != s.SGID:
		return unix.EPERM
	}
	s.EGID, s.FSGID = gid, gid
	return nil
}

// SetREUID is setreuid(2) (__sys_setreuid): the saved uid follows the new effective one
// when the real uid is set or the effective one set to something other than the old
// real uid.
func (s *Set) SetREUID(ruid, euid uint32) error {
	n := *s
	if ruid != Keep {
		if ruid != s.RUID && ruid != s.EUID && !s.privileged() {
			return unix.EPERM
		}
		n.RUID = ruid
	}
	if euid != Keep {
		if euid != s.RUID && euid != s.EUID && euid != s.SUID && !s.privileged() {
			return unix.EPERM
		}
		n.EUID = euid
	}
	if ruid != Keep || euid != Keep && euid != s.RUID {
		n.SUID = n.EUID
	}
	n.FSUID = n.EUID
	*s = n
	return nil
}

// SetREGID is setregid(2) (__sys_setregid).
func (s *Set) SetREGID(rgid, egid uint32) error {
	n := *s
	if rgid != Keep {
		if rgid != s.RGID && rgid != s.EGID && !s.privileged() {
			return unix.EPERM
		}
		n.RGID = rgid
	}
	if egid != Keep {
		if egid != s.RGID && egid != s.EGID && egid != s.SGID && !s.privileged() {
			return unix.EPERM
		}
		n.EGID = egid
	}
	if rgid != Keep || egid != Keep && egid != s.RGID {
		n.SGID = n.EGID
	}
	n.FSGID = n.EGID
	*s = n
	return nil
}

// SetRESUID is setresuid(2): an unprivileged caller may set each id only to one of its
// current real, effective or saved uids (__sys_setresuid).
func (s *Set) SetRESUID(ruid, euid, suid uint32) error {
	if !s.privileged() {
		for _, id := range []uint32{ruid, euid, suid} {
			if id != Keep && id != s.RUID && id != s.EUID && id != s.SUID {
				return unix.EPERM
			}
		}
	}
	if ruid != Keep {
		s.RUID = ruid
	}
	if euid != Keep {
		s.EUID = euid
	}
	if suid != Keep {
		s.SUID = suid
	}
	s.FSUID = s.EUID
	return nil
}

// SetRESGID is setresgid(2) (__sys_setresgid).
func (s *Set) SetRESGID(rgid, egid, sgid uint32) error {
	if !s.privileged() {
		for _, id := range []uint32{rgid, egid, sgid} {
			if id != Keep && id != s.RGID && id != s.EGID && id != s.SGID {
				return unix.EPERM
			}
		}
	}
	if rgid != Keep {
		s.RGID = rgid
	}
	if egid != Keep {
		s.EGID = egid
	}
	if sgid != Keep {
		s.SGID = sgid
	}
	s.FSGID = s.EGID
	return nil
}

// SetFSUID is setfsuid(2): it always returns the previous fs uid, and changes it only to
// one of the task's uids (or anything, when privileged) (__sys_setfsuid).
func (s *Set) SetFSUID(uid uint32) (old uint32) {
	old = s.FSUID
	if uid == s.RUID || uid == s.EUID || uid == s.SUID || uid == s.FSUID || s.privileged() {
		if uid != Keep {
			s.FSUID = uid
		}
	}
	return old
}

// SetFSGID is setfsgid(2) (__sys_setfsgid).
func (s *Set) SetFSGID(gid uint32) (old uint32) {
	old = s.FSGID
	if gid == s.RGID || gid == s.EGID || gid == s.SGID || gid == s.FSGID || s.privileged() {
		if gid != Keep {
			s.FSGID = gid
		}
	}
	return old
}

// SetGroups is setgroups(2): CAP_SETGID is needed, and at most NGROUPS_MAX groups.
func (s *Set) SetGroups(groups []uint32) error {
	if len(groups) > NGroupsMax {
		return unix.EINVAL
	}
	if !s.privileged() {
		return unix.EPERM
	}
	s.Groups = append([]uint32(nil), groups...)
	return nil
}

// Exec applies execve's set-user-ID and set-group-ID rules: a program file with S_ISUID
// runs with its owner as effective uid, one with S_ISGID (and group execute; without it
// the bit means mandatory locking) with its group as effective gid; the saved ids then
// take the effective ones in every case (fs/exec.c, begin_new_exec / commit_creds path of
// bprm_fill_uid and cap_bprm_creds_from_file).
func (s *Set) Exec(mode, owner, group uint32) {
	if mode&unix.S_ISUID != 0 {
		s.EUID = owner
	}
	if mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
		s.EGID = group
	}
	s.SUID, s.FSUID = s.EUID, s.EUID
	s.SGID, s.FSGID = s.EGID, s.EGID
}

// InGroup reports whether gid is the task's fs gid or one of its supplementary groups
// (in_group_p), which decides group permissions and chown's group rule.
func (s *Set) InGroup(gid uint32) bool {
	if gid == s.FSGID {
		return true
	}
	for _, g := range s.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

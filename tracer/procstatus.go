package tracer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/groot-sandbox/groot/creds"
	"github.com/groot-sandbox/groot/syscalls"
	"golang.org/x/sys/unix"
)

// Under fake root, /proc/PID/status shows the fake ids. shadow's userdel and usermod
// look there for processes of the user they change ("user bob is currently used by
// process N"), and ps and pgrep -u read it: with the real ids, every guest process (and
// every other process of the real user's) would be that of the guest's user whose uid
// is the real one. An open of such a file reads a copy made at the open (the kernel's
// file is made at each read; a copy of the moment is what a reader sees of it anyway)
// whose Uid, Gid and Groups lines are a traced task's fake identities, or, for other
// processes, show the real user's ids as the fake ones, as stat shows its files.

// procStatusCopies numbers the copies in the scratch directory.
var procStatusCopies atomic.Int64

// isProcStatus reports whether host is /proc/PID/status or /proc/PID/task/TID/status,
// and returns the pid (or tid) it describes.
func isProcStatus(host string) (int, bool) {
	rest, ok := strings.CutPrefix(host, "/proc/")
	if !ok {
		return 0, false
	}
	rest, ok = strings.CutSuffix(rest, "/status")
	if !ok {
		return 0, false
	}
	if _, tid, found := strings.Cut(rest, "/task/"); found {
		rest = tid
	}
	id, err := strconv.Atoi(rest)
	return id, err == nil
}

// fakeProcStatus gives a read-only open of a /proc status file the copy with the fake
// ids; the copy's name is removed at the call's exit.
func (tr *tracer) fakeProcStatus(t *tracee, e *syscalls.Entry) error {
	if e.Name != "open" && e.Name != "openat" || !t.argSet[0] || t.orig.arg(e.Paths[0].Flags)&unix.O_ACCMODE != unix.O_RDONLY {
		return nil // mkdir, creat, symlink: FakeCreate rows with no flags argument
	}
	id, ok := isProcStatus(t.argHost[0])
	if !ok {
		return nil
	}
	data, err := os.ReadFile(t.argHost[0])
	if err != nil {
		return nil // the kernel's own answer
	}
	var c *creds.Set
	if o := tr.tasks[id]; o != nil {
		c = o.creds
	}
	copyPath := filepath.Join(tr.cfg.Scratch, "status", strconv.FormatInt(procStatusCopies.Add(1), 10))
	if err := os.MkdirAll(filepath.Dir(copyPath), 0o700); err != nil {
		return nil
	}
	if err := os.WriteFile(copyPath, tr.fakeStatusText(data, c), 0o400); err != nil {
		return nil
	}
	if err := t.setPathArg(e.Paths[0].Path, copyPath); err != nil {
		os.Remove(copyPath)
		return err
	}
	t.fakeSt.exit, t.fakeSt.from = fakeExitRemoveCopy, copyPath
	return nil
}

// fakeStatusText rewrites the Uid, Gid and Groups lines of a status file: with c, a traced
// task's fake identities; without, the real user's ids shown as the fake ones.
func (tr *tracer) fakeStatusText(data []byte, c *creds.Set) []byte {
	fr := tr.fake
	view := func(id, real, fake uint32) uint32 {
		if id == real {
			return fake
		}
		return id
	}
	lines := strings.SplitAfter(string(data), "\n")
	for i, l := range lines {
		key, vals, ok := strings.Cut(strings.TrimSuffix(l, "\n"), ":")
		if !ok || key != "Uid" && key != "Gid" && key != "Groups" {
			continue
		}
		var ids []uint32
		switch {
		case c != nil && key == "Uid":
			ids = []uint32{c.RUID, c.EUID, c.SUID, c.FSUID}
		case c != nil && key == "Gid":
			ids = []uint32{c.RGID, c.EGID, c.SGID, c.FSGID}
		case c != nil:
			ids = c.Groups
		default:
			real, fake := fr.realUID, fr.initial.EUID
			if key != "Uid" {
				real, fake = fr.realGID, fr.initial.EGID
			}
			for _, f := range strings.Fields(vals) {
				if v, err := strconv.ParseUint(f, 10, 32); err == nil {
					ids = append(ids, view(uint32(v), real, fake))
				}
			}
		}
		var b strings.Builder
		b.WriteString(key + ":")
		for j, v := range ids {
			if key == "Groups" {
				if j == 0 {
					b.WriteByte('\t')
				}
				b.WriteString(strconv.FormatUint(uint64(v), 10) + " ")
				continue
			}
			b.WriteString("\t" + strconv.FormatUint(uint64(v), 10))
		}
		if key == "Groups" && len(ids) == 0 {
			b.WriteString("\t ") // fs/proc/array.c, task_state: a space after the list
		}
		lines[i] = b.String() + "\n"
	}
	return []byte(strings.Join(lines, ""))
}

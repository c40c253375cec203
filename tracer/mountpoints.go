package tracer

import (
	"os"
	"path/filepath"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// mountPoints are the empty entries makeMountPoints made in the rootfs for a run.
type mountPoints struct {
	made    []string
	parents map[string]*parentTimes
}

// parentTimes are a directory's times before the first entry was made in it, and its
// modification time after the last: when that is still its time at the end, nothing
// else changed the directory meanwhile, and the times it had are given back.
type parentTimes struct {
	before [2]unix.Timespec // atime, mtime
	after  unix.Timespec
}

// makeMountPoints gives each binding whose guest path the rootfs lacks, in a directory
// of the rootfs's own, an empty entry of its kind there for the run, so that listings
// of that directory (ls, globs, find) show it, as PRoot does (its glue: empty entries of
// mode 0, removed at exit). The tracer resolves such paths through the binding table,
// never to the entry itself. Directories deeper down the glue already lists
// (Table.AddGlue). Where the rootfs's directory is not writable, nothing is made; nor
// anywhere with PRoot's PROOT_DONT_POLLUTE_ROOTFS set.
func makeMountPoints(table *bindings.Table) *mountPoints {
	mp := &mountPoints{parents: make(map[string]*parentTimes)}
	if os.Getenv("PROOT_DONT_POLLUTE_ROOTFS") != "" {
		return mp
	}
	rootfs := table.Rootfs()
	for _, b := range table.All() {
		if b.Guest == "/" {
			continue
		}
		if _, parent := table.GuestToHost(filepath.Dir(b.Guest)); parent == nil || parent.Guest != "/" {
			continue // listed by glue, or inside another binding
		}
		entry := filepath.Join(rootfs, b.Guest)
		if _, err := os.Lstat(entry); err == nil {
			continue
		}
		st, err := os.Stat(b.Host)
		if err != nil {
			continue
		}
		dir := filepath.Dir(entry)
		var before unix.Stat_t
		if unix.Lstat(dir, &before) != nil {
			continue
		}
		if st.IsDir() {
			err = unix.Mkdir(entry, 0)
		} else {
			var fd int
			fd, err = unix.Open(entry, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(fd)
			}
		}
		if err != nil {
			continue
		}
		mp.made = append(mp.made, entry)
		pt := mp.parents[dir]
		if pt == nil {
			pt = &parentTimes{before: [2]unix.Timespec{before.Atim, before.Mtim}}
			mp.parents[dir] = pt
		}
		var after unix.Stat_t
		if unix.Lstat(dir, &after) == nil {
			pt.after = after.Mtim
		}
	}
	return mp
}

// remove removes the entries made, where they are still empty (the guest never reaches
// them, but another process might have), and gives their directories back the times they
// had, unless something else changed them during the run: a run that only reads leaves
// the rootfs as it was (but for the directories' ctime).
func (mp *mountPoints) remove() {
	unchanged := make(map[string]bool)
	for dir, pt := range mp.parents {
		var st unix.Stat_t
		unchanged[dir] = unix.Lstat(dir, &st) == nil && st.Mtim == pt.after
	}
	for i := len(mp.made) - 1; i >= 0; i-- {
		var st unix.Stat_t
		if unix.Lstat(mp.made[i], &st) != nil {
			continue
		}
		var err error = unix.ENOTEMPTY
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			err = unix.Rmdir(mp.made[i]) // fails when not empty
		} else if st.Size == 0 {
			err = unix.Unlink(mp.made[i])
		}
		if err != nil {
			// Left where it is: so are the directory's times.
			unchanged[filepath.Dir(mp.made[i])] = false
		}
	}
	for dir, pt := range mp.parents {
		if unchanged[dir] {
			ts := pt.before
			_ = unix.UtimesNanoAt(unix.AT_FDCWD, dir, ts[:], unix.AT_SYMLINK_NOFOLLOW)
		}
	}
}

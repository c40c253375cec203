package tracer

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// mountPoints are the empty entries makeMountPoints made in the rootfs for a run.
type mountPoints struct {
	made    []madeEntry
	parents map[int]*parentTimes // by descriptor of the directory
}

// madeEntry is one entry, by a descriptor of its directory (held for the run: a rename
// or a symlink put in the way by the guest cannot redirect the removal) and its name,
// with the inode it got.
type madeEntry struct {
	dir  int
	name string
	ino  uint64
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
// (Table.AddGlue). The directory is opened beneath the rootfs with no symlink on the way
// (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), so nothing is made outside it; where that
// fails, or the directory is not writable, nothing is made; nor anywhere with PRoot's
// PROOT_DONT_POLLUTE_ROOTFS set.
func makeMountPoints(table *bindings.Table) *mountPoints {
	mp := &mountPoints{parents: make(map[int]*parentTimes)}
	if os.Getenv("PROOT_DONT_POLLUTE_ROOTFS") != "" {
		return mp
	}
	root, err := unix.Open(table.Rootfs(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return mp
	}
	defer unix.Close(root)
	dirs := make(map[string]int) // guest directory -> descriptor
	for _, b := range table.All() {
		if b.Guest == "/" {
			continue
		}
		if _, parent := table.GuestToHost(filepath.Dir(b.Guest)); parent == nil || parent.Guest != "/" {
			continue // listed by glue, or inside another binding
		}
		st, err := os.Stat(b.Host)
		if err != nil {
			continue
		}
		guestDir, name := filepath.Dir(b.Guest), filepath.Base(b.Guest)
		dir, seen := dirs[guestDir]
		if !seen {
			dir = -1
			rel := strings.TrimPrefix(guestDir, "/")
			if rel == "" {
				rel = "."
			}
			how := unix.OpenHow{Flags: unix.O_RDONLY | unix.O_DIRECTORY | unix.O_CLOEXEC,
				Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS}
			if fd, err := unix.Openat2(root, rel, &how); err == nil {
				dir = fd
			}
			dirs[guestDir] = dir
		}
		if dir < 0 {
			continue
		}
		var before unix.Stat_t
		if unix.Fstat(dir, &before) != nil {
			continue
		}
		if st.IsDir() {
			err = unix.Mkdirat(dir, name, 0)
		} else {
			var fd int
			fd, err = unix.Openat(dir, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(fd)
			}
		}
		var made unix.Stat_t
		if err != nil || unix.Fstatat(dir, name, &made, unix.AT_SYMLINK_NOFOLLOW) != nil {
			continue // it exists already, or the directory is not writable
		}
		mp.made = append(mp.made, madeEntry{dir, name, made.Ino})
		pt := mp.parents[dir]
		if pt == nil {
			pt = &parentTimes{before: [2]unix.Timespec{before.Atim, before.Mtim}}
			mp.parents[dir] = pt
		}
		var after unix.Stat_t
		if unix.Fstat(dir, &after) == nil {
			pt.after = after.Mtim
		}
	}
	for _, fd := range dirs {
		if fd >= 0 && mp.parents[fd] == nil {
			unix.Close(fd)
		}
	}
	return mp
}

// remove removes the entries made, where they are still the same empty ones (the guest
// never reaches them, but another process might have), and gives their directories back
// the times they had, unless something else changed them during the run: a run that only
// reads leaves the rootfs as it was (but for the directories' ctime).
func (mp *mountPoints) remove() {
	unchanged := make(map[int]bool)
	for dir, pt := range mp.parents {
		var st unix.Stat_t
		unchanged[dir] = unix.Fstat(dir, &st) == nil && st.Mtim == pt.after
	}
	for i := len(mp.made) - 1; i >= 0; i-- {
		m := mp.made[i]
		var st unix.Stat_t
		var err error = unix.ENOENT
		if unix.Fstatat(m.dir, m.name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Ino == m.ino {
			switch {
			case st.Mode&unix.S_IFMT == unix.S_IFDIR:
				err = unix.Unlinkat(m.dir, m.name, unix.AT_REMOVEDIR) // fails when not empty
			case st.Mode&unix.S_IFMT == unix.S_IFREG && st.Size == 0:
				err = unix.Unlinkat(m.dir, m.name, 0)
			default:
				err = unix.ENOTEMPTY
			}
		}
		if err != nil {
			unchanged[m.dir] = false // left where it is: so are the directory's times
		}
	}
	for dir, pt := range mp.parents {
		if unchanged[dir] {
			ts := pt.before
			_ = unix.UtimesNanoAt(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(dir), ts[:], 0)
		}
		unix.Close(dir)
	}
}

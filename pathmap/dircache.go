package pathmap

import (
	"strings"

	"golang.org/x/sys/unix"
)

// DirCache keeps O_PATH descriptors of rootfs directories that an openat2 walk with
// RESOLVE_NO_SYMLINKS reached, so that the next path in the same directory is resolved by
// one lookup of its last component, fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW), whose
// result is also the answer to a stat of the path, instead of openat2 of the whole host
// path, its close, and a second walk of the whole path by the caller's own stat. A
// program that looks for files goes through few directories many times (python's imports
// stat every candidate of a handful of directories, gcc's include search likewise):
// measured on a 2-vCPU KVM guest for a 10-component path, 1.4 us of host syscalls instead
// of 4.9 us.
//
// What a descriptor stands for can change under it only if a directory on its path is
// renamed, removed or made unsearchable. The caller flushes the cache when the guest does
// any of that by path (Flush: rename, rmdir, chmod, ACLs); changes made outside the
// guest, or through a directory's fd (fchmod, fsetxattr), are not seen: the cached
// directory keeps answering where the kernel would now walk elsewhere or refuse the
// search. (Under fake root, whose permission bypass lends a directory the search bit for
// one call, a descriptor below it keeps working after the loan: root's answer, which is
// the one the guest is owed.) A descriptor also keeps its directory's file system busy: a
// host umount of a file system inside the rootfs fails with EBUSY while groot runs.
//
// Not safe for concurrent use: the tracer calls it under its lock.
type DirCache struct {
	fds  map[string]int // host directory -> O_PATH fd
	full bool           // dirCacheMax reached: emptied at the next Trim
}

// dirCacheMax bounds the descriptors held; a full cache takes no more until Trim empties
// it, so that a Result's Dir stays open while its caller uses it.
const dirCacheMax = 256

// NewDirCache returns an empty cache.
func NewDirCache() *DirCache { return &DirCache{fds: make(map[string]int)} }

// Flush closes every descriptor.
func (c *DirCache) Flush() {
	if c == nil {
		return
	}
	for dir, fd := range c.fds {
		unix.Close(fd)
		delete(c.fds, dir)
	}
	c.full = false
}

// Trim empties a cache that filled up, to fill it again with the directories in use now.
// The caller calls it where no Result's Dir is in use.
func (c *DirCache) Trim() {
	if c != nil && c.full {
		c.Flush()
	}
}

// add opens host directory dir, which an openat2 walk with RESOLVE_NO_SYMLINKS has just
// crossed, and keeps it.
func (c *DirCache) add(dir string) {
	if _, ok := c.fds[dir]; ok || dir == "/" || dir == "/proc" || strings.HasPrefix(dir, "/proc/") {
		// "/" is never looked up (a rootfs "/" has no parent to name it by); /proc/PID
		// directories would outlive their process, and a new one with the same pid
		// would read as missing.
		return
	}
	if len(c.fds) >= dirCacheMax {
		c.full = true
		return
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
	fd, err := unix.Openat2(unix.AT_FDCWD, dir, &how)
	if err != nil {
		return
	}
	c.fds[dir] = fd
}

// lookup resolves host path host, with its last component looked up in a cached
// directory. ok is false when the directory is not cached or the answer needs a walk: a
// symlink to follow, or an error other than ENOENT (the walk gives the kernel's errno).
func (c *DirCache) lookup(host string, follow bool) (res Result, ok bool) {
	i := strings.LastIndexByte(host, '/')
	if i <= 0 || i == len(host)-1 {
		return Result{}, false
	}
	fd, hit := c.fds[host[:i]]
	if !hit {
		return Result{}, false
	}
	name := host[i+1:]
	if len(name) > nameMax || name == "." || name == ".." {
		return Result{}, false
	}
	var st unix.Stat_t
	// AT_NO_AUTOMOUNT: like the openat2 with O_PATH that it stands for, the lookup
	// does not trigger an automount point (the caller's own call may).
	switch err := unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW|unix.AT_NO_AUTOMOUNT); {
	case err == nil && (!follow || st.Mode&unix.S_IFMT != unix.S_IFLNK):
		return Result{Host: host, Exists: true, Dir: fd, Name: name, Lstat: st, HasLstat: true}, true
	case err == unix.ENOENT:
		// The directory exists and was searched: only the last component is missing.
		return Result{Host: host, Exists: false}, true
	}
	return Result{}, false
}

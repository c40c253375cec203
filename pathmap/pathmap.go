// Package pathmap resolves guest paths to host paths, component by component, the way the
// kernel's path walk does (fs/namei.c), but with the guest's "/" and bindings.
package pathmap

import (
	"strings"
	"sync/atomic"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// Limits of the kernel's path walk (include/uapi/linux/limits.h, include/linux/namei.h).
const (
	pathMax     = 4096 // PATH_MAX, including the terminating NUL
	nameMax     = 255  // NAME_MAX
	maxSymlinks = 40   // MAXSYMLINKS: links followed in one lookup
)

// Proc lets the caller (the tracer) answer for /proc magic links, whose meaning depends on
// which guest process asks. Resolve calls it for every symlink it meets whose host path is
// under "/proc/".
type Proc interface {
	// Readlink is asked for a host path under /proc (e.g. "/proc/self", "/proc/123/exe",
	// "/proc/123/fd/4"). It returns the guest target to continue the walk with (absolute
	// or relative, as a symlink target), or magic=true when the link is not a path
	// (pipe:[...], socket:[...], anon_inode:...) and the walk must stop there, handing the
	// kernel the host path as it is; handled=false means "read the link on the host".
	Readlink(host string) (target string, magic, handled bool)
}

// Result is a resolved path.
type Result struct {
	Host  string // the host path to hand the kernel
	Guest string // the canonical absolute guest path
	// Exists is false when the last component does not exist (allowed: creat, mkdir).
	Exists bool
	// Dir and Name, when Dir > 0, name the same file as Host relative to a directory
	// descriptor of the DirCache: a lookup of one component where Host is a whole walk.
	// Dir is the cache's, valid until its next Flush or Trim.
	Dir  int
	Name string
	// Lstat, when HasLstat, is the last component's lstat with AT_NO_AUTOMOUNT, made by
	// the resolution itself (a DirCache lookup): also its stat when it is not a symlink
	// (nor a directory that a stat without AT_NO_AUTOMOUNT would mount on).
	Lstat    unix.Stat_t
	HasLstat bool
}

// Resolver resolves guest paths against a binding table.
type Resolver struct {
	Table *bindings.Table
	Proc  Proc // may be nil
	// Root is the guest directory the walk treats as "/" (a guest that called chroot
	// under fake root); "" is the guest's own root. Results stay guest paths of the whole
	// guest tree (Inner converts them back).
	Root string
	// Dirs, if not nil, is used and filled by the fast path (DirCache).
	Dirs *DirCache
}

// Inner is guest path p as a task whose root is root sees it: p with the root's prefix
// taken off. A path outside root is returned as it is (the kernel would answer getcwd with
// "(unreachable)" there).
func Inner(root, p string) string {
	switch {
	case root == "" || root == "/":
		return p
	case p == root:
		return "/"
	case strings.HasPrefix(p, root+"/"):
		return p[len(root):]
	}
	return p
}

// Error is a failed resolution: the errno the kernel's walk would give for the guest
// path, and where the walk failed on the host.
type Error struct {
	Path  string // the guest path
	Errno unix.Errno
	// Host is a host path on which the kernel's own walk fails the same way: the part
	// resolved so far, the failing component and the rest. It is "" where no host path
	// would (ELOOP through guest symlinks, ENAMETOOLONG): the caller reports Errno itself.
	Host string
	// At is the host path of the component whose lookup failed ("" when unknown): with
	// EACCES, the directory above it is the one the caller may not search.
	At string
}

func (e *Error) Error() string { return "resolve " + e.Path + ": " + e.Errno.Error() }
func (e *Error) Unwrap() error { return e.Errno }

func fail(path string, errno unix.Errno) error {
	return &Error{Path: path, Errno: errno}
}

// failAt is fail for a walk that stopped at host path host, with rest still to walk.
func failAt(path string, errno unix.Errno, host, rest string) error {
	return &Error{Path: path, Errno: errno, Host: host + rest, At: host}
}

// nextComponent splits off the first non-empty component of p.
func nextComponent(p string) (comp, rest string) {
	for len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	i := strings.IndexByte(p, '/')
	if i < 0 {
		return p, ""
	}
	return p[:i], p[i:]
}

// endsInDot reports whether the last component of p is ".".
func endsInDot(p string) bool {
	p = strings.TrimRight(p, "/")
	return p == "." || strings.HasSuffix(p, "/.")
}

func isEmptyRest(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			return false
		}
	}
	return true
}

func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// Resolve resolves path (absolute, or relative to the guest directory dir) and follows a
// symlink in the last component only when follow is set. Errors are *Error wrapping
// a unix.Errno (ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES) as the kernel would give.
func (r *Resolver) Resolve(dir, path string, follow bool) (Result, error) {
	if path == "" {
		return Result{}, fail(path, unix.ENOENT)
	}
	if len(path) >= pathMax {
		return Result{}, fail(path, unix.ENAMETOOLONG)
	}
	if res, ok, err := r.fastResolve(dir, path, follow); ok {
		Counts.Fast.Add(1)
		return res, err
	}
	Counts.Walk.Add(1)
	return r.walk(dir, path, follow)
}

// Counts counts how Resolve resolved, for the tracer's GROOT_STATS report: the walk
// costs a syscall a component where the fast path costs two or three in all.
var Counts struct {
	Fast, Walk, WalkSyscalls atomic.Int64
	Cached                   atomic.Int64 // of Fast: one lookup in a DirCache directory
}

// walk is Resolve's component-by-component walk.
func (r *Resolver) walk(dir, path string, follow bool) (Result, error) {
	root := r.Root
	if root == "" {
		root = "/"
	}
	cur := dir
	if path[0] == '/' {
		cur = root
	}
	// A trailing slash asks for a directory and follows a final symlink (path_resolution(7)).
	trailing := strings.HasSuffix(path, "/")
	rest := path
	links := 0
	var st unix.Stat_t
	buf := make([]byte, pathMax)
	for {
		comp, more := nextComponent(rest)
		if comp == "" {
			break
		}
		rest = more
		last := isEmptyRest(rest)
		switch comp {
		case ".":
			continue
		case "..":
			// ".." of the guest root is the root (chroot semantics).
			if cur != root {
				cur = parent(cur)
			}
			continue
		}
		if len(comp) > nameMax {
			return Result{}, fail(path, unix.ENAMETOOLONG)
		}
		next := join(cur, comp)
		host, bound := r.Table.GuestToHost(next)
		// One call per component: readlink says at once whether the component exists
		// (ENOENT), is a symlink (its target) or is something else (EINVAL). Under
		// /proc the tracer answers for links (Proc), so there lstat decides.
		isLink, isDir, dirKnown := false, false, false
		var target string
		if strings.HasPrefix(host, "/proc/") {
			if err := unix.Lstat(host, &st); err != nil {
				if err == unix.ENOENT && last {
					return Result{Host: host, Guest: next, Exists: false}, nil
				}
				return Result{}, failAt(path, err.(unix.Errno), host, rest)
			}
			isLink = st.Mode&unix.S_IFMT == unix.S_IFLNK
			isDir, dirKnown = st.Mode&unix.S_IFMT == unix.S_IFDIR, true
		} else {
			Counts.WalkSyscalls.Add(1)
			n, err := unix.Readlink(host, buf)
			switch {
			case err == nil:
				isLink, target = true, string(buf[:n])
			case err == unix.EINVAL:
			case err == unix.ENOENT && last:
				return Result{Host: host, Guest: next, Exists: false}, nil
			default:
				return Result{}, failAt(path, err.(unix.Errno), host, rest)
			}
		}
		if isLink && (!last || follow || trailing) {
			links++
			if links > maxSymlinks {
				return Result{}, fail(path, unix.ELOOP)
			}
			if dirKnown {
				t, magic, err := r.readlink(host)
				if err != nil {
					return Result{}, fail(path, err.(unix.Errno))
				}
				if magic {
					// The kernel follows the magic link itself, and walks the rest.
					return Result{Host: host + rest, Guest: next + rest, Exists: true}, nil
				}
				target = t
			}
			if target == "" {
				return Result{}, fail(path, unix.ENOENT)
			}
			target = r.BoundTarget(target, bound)
			if target[0] == '/' {
				// An absolute target is a guest path: restart at the guest root.
				cur = root
			}
			// The rest of the walk continues inside the target; the link's own directory
			// (cur) is where a relative target starts.
			rest = target + rest
			if len(rest) >= pathMax {
				return Result{}, fail(path, unix.ENAMETOOLONG)
			}
			// Merged-/usr systems lead most paths through one link (/lib -> usr/lib):
			// what follows it is usually plain again.
			if res, ok, err := r.fastResolve(cur, rest, follow); ok {
				if e, isErr := err.(*Error); isErr {
					e.Path = path
				}
				return res, err
			}
			continue
		}
		if !last && !isLink {
			// A non-directory in the middle: the kernel's next lookup under it fails with
			// ENOTDIR, but "." and ".." are walked here, so look when they come next.
			if nc, _ := nextComponent(rest); !dirKnown && (nc == "." || nc == "..") {
				if err := unix.Lstat(host, &st); err != nil {
					return Result{}, failAt(path, err.(unix.Errno), host, rest)
				}
				isDir, dirKnown = st.Mode&unix.S_IFMT == unix.S_IFDIR, true
			}
			if dirKnown && !isDir {
				return Result{}, failAt(path, unix.ENOTDIR, host, rest)
			}
		}
		cur = next
	}
	host, _ := r.Table.GuestToHost(cur)
	if endsInDot(path) {
		// "dir/." names dir, but the kernel refuses it where the last component matters:
		// rmdir gives EINVAL, mkdir EEXIST, rename EBUSY (fs/namei.c, LAST_DOT). Keep it.
		// (A final ".." is not kept: at the guest root it would reach the host.)
		host += "/."
	}
	if trailing {
		if err := unix.Stat(host, &st); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return Result{}, failAt(path, unix.ENOTDIR, host, "/")
		}
	}
	return Result{Host: host, Guest: cur, Exists: true}, nil
}

// BoundTarget interprets the target of a symlink found in binding b. A symlink inside a
// bound host directory was written with host paths: an absolute target that lies in a
// bound host tree means that tree's guest location (as PRoot reads it). Elsewhere, and
// for targets outside every binding, absolute targets are guest paths.
func (r *Resolver) BoundTarget(target string, b *bindings.Binding) string {
	if b == nil || b.Guest == "/" || b.Glue || target == "" || target[0] != '/' {
		return target
	}
	if g, ok := r.Table.HostToGuestBound(target); ok {
		return g
	}
	return target
}

// readlink reads a symlink's target, asking Proc for links under /proc.
func (r *Resolver) readlink(host string) (target string, magic bool, err error) {
	if r.Proc != nil && strings.HasPrefix(host, "/proc/") {
		if t, m, handled := r.Proc.Readlink(host); handled {
			return t, m, nil
		}
	}
	buf := make([]byte, pathMax)
	n, err := unix.Readlink(host, buf)
	if err != nil {
		return "", false, err
	}
	return string(buf[:n]), false, nil
}

// HostToGuest maps a host path (from the kernel: getcwd, readlink, /proc/PID/fd/N) back to
// the guest path a guest would see.
func (r *Resolver) HostToGuest(host string) (string, bool) { return r.Table.HostToGuest(host) }

// noOpenat2 is set once openat2 turned out to be missing (Linux < 5.6: ENOSYS).
var noOpenat2 atomic.Bool

// fastResolve resolves, in one kernel call, the common path that needs no walk of its
// own: no trailing slash, no symlink anywhere, and nothing bound on the way (the longest
// binding prefix of the whole path is the rootfs's, so no shorter prefix is bound either,
// glue included). Such a path's host path is the lexical one; openat2 with
// RESOLVE_NO_SYMLINKS (Linux 5.6) confirms that every component exists and none is a
// symlink, the last one included unless it is not to be followed (O_PATH with O_NOFOLLOW
// then opens the link itself). The host path of the rootfs has no symlinks
// (bindings.Table keeps it canonical), so the kernel's walk of it cannot fail the check.
//
// Two common cases cost a walk otherwise (counted in a build: a third of make's path
// resolutions): a last component that does not exist (gcc's include search), checked
// with a second openat2 of the parent; and "." and ".." inside the path (gcc's
// lib/gcc/x86_64-linux-gnu/12/../../../../include), see dottedHost.
// A missing directory on the way is answered too (the misses of a PATH search, of an
// include search): ENOENT for the parent as well means the missing component comes
// before the last, reached through directories with no symlink, so the kernel's walk of
// the same host path fails there with ENOENT, which is the answer.
// Anything else, or any other error, is left to the component walk, which gives the
// kernel's answers for the hard cases.
func (r *Resolver) fastResolve(dir, path string, follow bool) (res Result, answered bool, err error) {
	if r.Root != "" || noOpenat2.Load() || strings.HasSuffix(path, "/") && path != "/" {
		return Result{}, false, nil
	}
	dotted := false
	for rest := path; rest != ""; {
		comp, more := nextComponent(rest)
		if comp == "." || comp == ".." {
			dotted = true
		}
		rest = more
	}
	guest := path
	if path[0] != '/' {
		guest = join(dir, path)
	}
	if strings.Contains(guest, "//") {
		guest = cleanSlashes(guest)
	}
	check := ""
	if dotted {
		var ok bool
		if guest, check, ok = r.dottedHost(guest); !ok {
			return Result{}, false, nil
		}
	}
	host, b := r.Table.GuestToHost(guest)
	if b == nil || b.Guest != "/" {
		return Result{}, false, nil
	}
	if check == "" {
		check = host
	}
	if len(check) >= pathMax {
		return Result{}, false, nil
	}
	if guest == "/" && !dotted {
		// The rootfs itself: bindings.New checked that it is a directory, and a stat of it
		// tells the rest (python stats "/" for the '' entry of sys.path at every import).
		return Result{Host: host, Guest: guest, Exists: true}, true, nil
	}
	cache := r.Dirs != nil && !dotted
	if cache {
		if res, ok := r.Dirs.lookup(host, follow); ok {
			Counts.Cached.Add(1)
			res.Guest = guest
			return res, true, nil
		}
	}
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_CLOEXEC, Resolve: unix.RESOLVE_NO_SYMLINKS}
	if !follow {
		how.Flags |= unix.O_NOFOLLOW
	}
	fd, err := unix.Openat2(unix.AT_FDCWD, check, &how)
	if err != nil {
		if err == unix.ENOSYS {
			noOpenat2.Store(true)
		}
		if err != unix.ENOENT || dotted {
			return Result{}, false, nil
		}
		// ENOENT under RESOLVE_NO_SYMLINKS: some component is missing and none before it
		// is a symlink. If the parent opens the same way, it exists, holds no symlink and
		// is a directory (else the kernel's lookup of the last component would have said
		// ENOTDIR), so the missing one is the last: what creat and mkdir may name.
		// A name over NAME_MAX is the walk's to refuse (ENAMETOOLONG): procfs and sysfs
		// do not check the length themselves and say ENOENT (found in review).
		if len(host)-strings.LastIndexByte(host, '/')-1 > nameMax {
			return Result{}, false, nil
		}
		fd, err = unix.Openat2(unix.AT_FDCWD, parent(host), &how)
		if err == unix.ENOENT && !overlongComponent(host) {
			return Result{}, true, failAt(path, unix.ENOENT, host, "")
		}
		if err != nil {
			return Result{}, false, nil
		}
		unix.Close(fd)
		if cache {
			r.Dirs.add(parent(host))
		}
		return Result{Host: host, Guest: guest, Exists: false}, true, nil
	}
	unix.Close(fd)
	if cache {
		r.Dirs.add(parent(host))
	}
	return Result{Host: host, Guest: guest, Exists: true}, true, nil
}

// overlongComponent reports whether a component of p is longer than NAME_MAX: the walk
// refuses it itself (ENAMETOOLONG), where procfs and sysfs say ENOENT.
func overlongComponent(p string) bool {
	for p != "" {
		var c string
		c, p, _ = strings.Cut(p, "/")
		if len(c) > nameMax {
			return true
		}
	}
	return false
}

// dottedHost handles "." and ".." for fastResolve. Once openat2 has confirmed that no
// component is a symlink, every directory walked is the canonical one, so ".." is the
// lexical parent of what precedes it, as the walk takes it. The kernel is given the
// uncleaned host path, so that it still checks that each component before a ".." exists
// and is a directory ("missing/.." is ENOENT, path_resolution(7)). It returns the cleaned
// guest path and the uncleaned host path to check; not ok (the walk then decides) when a
// ".." would climb above the guest root (the walk keeps it at the root, where the host
// path would leave the rootfs), when the path ends in "." or ".." (kept by the walk for the kernel's
// LAST_DOT errors), or when a directory walked through is not the rootfs's own: the
// deepest point before each ".." and the end are checked against the binding table,
// which covers every shorter prefix too.
func (r *Resolver) dottedHost(raw string) (guest, host string, ok bool) {
	if endsInDot(raw) || raw == ".." || strings.HasSuffix(raw, "/..") {
		return "", "", false
	}
	rootHost, b := r.Table.GuestToHost("/")
	if b == nil || b.Guest != "/" {
		return "", "", false
	}
	unbound := func(p string) bool {
		_, b := r.Table.GuestToHost(p)
		return b != nil && b.Guest == "/"
	}
	stack := make([]string, 0, 16)
	for rest := raw; ; {
		comp, more := nextComponent(rest)
		if comp == "" {
			break
		}
		rest = more
		switch comp {
		case ".":
		case "..":
			if len(stack) == 0 || !unbound("/"+strings.Join(stack, "/")) {
				return "", "", false
			}
			stack = stack[:len(stack)-1]
		default:
			stack = append(stack, comp)
		}
	}
	guest = "/" + strings.Join(stack, "/")
	if !unbound(guest) {
		return "", "", false
	}
	if rootHost == "/" {
		return guest, raw, true
	}
	return guest, rootHost + raw, true
}

// cleanSlashes squeezes runs of slashes in p to one.
func cleanSlashes(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

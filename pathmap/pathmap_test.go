package pathmap

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// tree builds a directory tree from a spec: "d:path" a directory, "f:path" a file,
// "l:path=target" a symlink.
func tree(t *testing.T, root string, spec ...string) {
	t.Helper()
	for _, s := range spec {
		kind, rest := s[:1], s[2:]
		switch kind {
		case "d":
			must(t, os.MkdirAll(filepath.Join(root, rest), 0o755))
		case "f":
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, rest)), 0o755))
			must(t, os.WriteFile(filepath.Join(root, rest), []byte(rest), 0o644))
		case "l":
			name, target, _ := strings.Cut(rest, "=")
			must(t, os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755))
			must(t, os.Symlink(target, filepath.Join(root, name)))
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func errnoOf(err error) unix.Errno {
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// fixture is a rootfs with the shapes the rules need, and a host directory bound into it.
func fixture(t *testing.T) (rootfs, data string, r *Resolver) {
	t.Helper()
	base := t.TempDir()
	rootfs = filepath.Join(base, "rootfs")
	data = filepath.Join(base, "data")
	tree(t, rootfs,
		"f:etc/passwd", "l:etc/alt=/etc/passwd", "l:etc/rel=passwd",
		"d:usr/lib", "f:usr/lib/libc.so", "l:lib=usr/lib", "l:lib64=/usr/lib",
		"l:chain1=chain2", "l:chain2=chain3", "l:chain3=/etc/passwd",
		"l:up=..", "l:up2=up/up/up/etc", "l:loopa=loopb", "l:loopb=loopa",
		"l:into=/mnt/data/file", "d:mnt", "f:file", "l:dangling=/nowhere",
		"d:noperm", "f:noperm/secret",
	)
	tree(t, data, "f:file", "d:sub", "f:sub/deep", "l:abs=/etc/passwd")
	// A link written with a host path into the bound tree itself.
	must(t, os.Symlink(filepath.Join(data, "sub", "deep"), filepath.Join(data, "hostabs")))
	// 41 links in a chain: n0 -> n1 -> ... -> n40 -> /file (the 41st link fails).
	for i := 0; i <= 40; i++ {
		next := "/n" + itoa(i+1)
		if i == 40 {
			next = "/file"
		}
		must(t, os.Symlink(next, filepath.Join(rootfs, "n"+itoa(i))))
	}
	b, err := bindings.Parse(data+":/mnt/data", "/")
	must(t, err)
	tb, err := bindings.New(rootfs, []bindings.Binding{b})
	must(t, err)
	return rootfs, data, &Resolver{Table: tb}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestResolve(t *testing.T) {
	rootfs, data, r := fixture(t)
	long := strings.Repeat("a", 256)
	cases := []struct {
		name, dir, path string
		follow          bool
		host, guest     string // host relative to rootfs unless it starts with "@" (data)
		exists          bool
		errno           unix.Errno
	}{
		{"plain file", "/", "/etc/passwd", true, "etc/passwd", "/etc/passwd", true, 0},
		{"absolute symlink into guest /etc", "/", "/etc/alt", true, "etc/passwd", "/etc/passwd", true, 0},
		{"relative symlink", "/", "/etc/rel", true, "etc/passwd", "/etc/passwd", true, 0},
		{"final symlink not followed", "/", "/etc/alt", false, "etc/alt", "/etc/alt", true, 0},
		{"symlink chain", "/", "/chain1", true, "etc/passwd", "/etc/passwd", true, 0},
		{"directory symlink mid-walk", "/", "/lib/libc.so", true, "usr/lib/libc.so", "/usr/lib/libc.so", true, 0},
		{"absolute directory symlink mid-walk", "/", "/lib64/libc.so", true, "usr/lib/libc.so", "/usr/lib/libc.so", true, 0},
		{"dotdot at the root", "/", "/../../etc/passwd", true, "etc/passwd", "/etc/passwd", true, 0},
		{"dotdot relative at the root", "/", "../../../etc", true, "etc", "/etc", true, 0},
		{"symlink to dotdot past the root", "/", "/up2/passwd", true, "etc/passwd", "/etc/passwd", true, 0},
		{"relative to cwd", "/usr", "lib/./libc.so", true, "usr/lib/libc.so", "/usr/lib/libc.so", true, 0},
		{"binding entered mid-walk", "/", "/mnt/data/sub/deep", true, "@sub/deep", "/mnt/data/sub/deep", true, 0},
		{"binding root", "/", "/mnt/data", true, "@", "/mnt/data", true, 0},
		{"dotdot out of a binding", "/mnt/data/sub", "../../../etc/passwd", true, "etc/passwd", "/etc/passwd", true, 0},
		{"rootfs symlink into a binding", "/", "/into", true, "@file", "/mnt/data/file", true, 0},
		{"binding symlink to an absolute guest path", "/", "/mnt/data/abs", true, "etc/passwd", "/etc/passwd", true, 0},
		{"binding symlink with a host path into the binding", "/", "/mnt/data/hostabs", true, "@sub/deep", "/mnt/data/sub/deep", true, 0},
		{"missing last component", "/", "/etc/newfile", true, "etc/newfile", "/etc/newfile", false, 0},
		{"missing middle component", "/", "/nope/file", true, "", "", false, unix.ENOENT},
		{"dangling symlink followed", "/", "/dangling", true, "nowhere", "/nowhere", false, 0},
		{"file in the middle", "/", "/etc/passwd/x", true, "", "", false, unix.ENOTDIR},
		{"trailing slash on a file", "/", "/etc/passwd/", true, "", "", false, unix.ENOTDIR},
		{"trailing slash on a dir symlink", "/", "/lib/", false, "usr/lib", "/usr/lib", true, 0},
		{"loop", "/", "/loopa", true, "", "", false, unix.ELOOP},
		{"40 links are followed", "/", "/n1", true, "file", "/file", true, 0},
		{"41 links are too many", "/", "/n0", true, "", "", false, unix.ELOOP},
		{"component too long", "/", "/" + long, true, "", "", false, unix.ENAMETOOLONG},
		{"path too long", "/", strings.Repeat("/a", 2048), true, "", "", false, unix.ENAMETOOLONG},
		{"empty path", "/", "", true, "", "", false, unix.ENOENT},
		{"final dot kept for the kernel", "/", "/usr/lib/.", true, "usr/lib/.", "/usr/lib", true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := r.Resolve(c.dir, c.path, c.follow)
			if c.errno != 0 {
				if errnoOf(err) != c.errno {
					t.Fatalf("Resolve(%q) = %+v, %v; want %v", c.path, res, err, c.errno)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", c.path, err)
			}
			want := filepath.Join(rootfs, c.host)
			if strings.HasSuffix(c.host, "/.") {
				want += "/."
			}
			if strings.HasPrefix(c.host, "@") {
				want = filepath.Join(data, c.host[1:])
			}
			if res.Host != want || res.Guest != c.guest || res.Exists != c.exists {
				t.Fatalf("Resolve(%q) = %+v; want host %s guest %s exists %v", c.path, res, want, c.guest, c.exists)
			}
		})
	}
}

// TestFastResolveAgreesWithWalk checks that the one-call fast path gives what the
// component walk gives wherever it answers, and that it answers for plain paths.
func TestFastResolveAgreesWithWalk(t *testing.T) {
	_, _, r := fixture(t)
	paths := []string{"/", "/etc/passwd", "etc/passwd", "//etc//passwd", "/etc/alt", "/lib/libc.so", "/usr/lib/libc.so",
		"/usr/lib", "/usr/lib/", "/usr/./lib", "/mnt/data/file", "/mnt/data", "/etc/newfile", "/nope/file", "/dangling",
		"/etc/passwd/x", "/loopa", "/n1", "/file", "/noperm/secret", "/chain1", "/up2/passwd",
		"/usr/lib/../lib/libc.so", "/usr/../etc/passwd", "../etc/passwd", "./passwd", "/nope/../etc/passwd",
		"/../etc/passwd", "/usr/../../etc/passwd", "/etc/passwd/../passwd", "/lib/../etc/passwd",
		"/mnt/data/../data/file", "/mnt/../etc/passwd", "/etc/.", "/etc/..", "/usr/lib/../newfile", "/nope/newfile"}
	for _, dir := range []string{"/", "/usr", "/mnt/data"} {
		for _, p := range paths {
			for _, follow := range []bool{true, false} {
				fast, ok, ferr := r.fastResolve(dir, p, follow)
				if !ok {
					continue
				}
				// The walk with the fast path off: it would otherwise use it itself after
				// following a symlink.
				noOpenat2.Store(true)
				slow, err := r.walk(dir, p, follow)
				noOpenat2.Store(false)
				if ferr != nil {
					// A missing directory on the way: the walk's errno, and a host path on
					// which the kernel fails the same way.
					var fe, we *Error
					if !errors.As(ferr, &fe) || !errors.As(err, &we) || fe.Errno != we.Errno || fe.Host != we.Host {
						t.Errorf("dir %s path %q follow %v: fast path %v, walk %v", dir, p, follow, ferr, err)
					}
					continue
				}
				if err != nil || slow != fast {
					t.Errorf("dir %s path %q follow %v: fast path %+v, walk %+v, %v", dir, p, follow, fast, slow, err)
				}
			}
		}
	}
	for _, p := range []string{"/etc/passwd", "usr/lib/libc.so", "/usr//lib", "/usr/./lib", "/etc/newfile", "/usr/lib/../../etc/passwd", "/nope/newfile", "/nope/deeper/file", "/"} {
		if _, ok, _ := r.fastResolve("/", p, true); !ok {
			t.Errorf("fast path did not answer for %q", p)
		}
	}
	for _, p := range []string{"/etc/alt", "/lib/libc.so", "/mnt/data/file", "/usr/lib/", "/nope/../etc/passwd", "/../etc/passwd",
		"/etc/.", "/mnt/data/../../etc/passwd", "/lib/../etc/passwd", "/lib/nope/file"} {
		if res, ok, _ := r.fastResolve("/", p, true); ok {
			t.Errorf("fast path answered %+v for %q (a symlink, a binding, a climb above the root, a final dot)", res, p)
		}
	}
}

// TestDirCacheAgreesWithWalk resolves every path of TestFastResolveAgreesWithWalk twice
// with a DirCache (the first fills it, the second looks up the last component in it) and
// checks the answers against the walk's, and Dir and Name against Host.
func TestDirCacheAgreesWithWalk(t *testing.T) {
	_, _, r := fixture(t)
	r.Dirs = NewDirCache()
	defer r.Dirs.Flush()
	paths := []string{"/", "/etc/passwd", "etc/passwd", "//etc//passwd", "/etc/alt", "/lib/libc.so", "/usr/lib/libc.so",
		"/usr/lib", "/mnt/data/file", "/etc/newfile", "/nope/file", "/dangling", "/etc/passwd/x", "/loopa",
		"/n1", "/file", "/noperm/secret", "/chain1", "/up2/passwd", "/usr/lib/../lib/libc.so", "/etc/..", "/etc/."}
	hits := 0
	for _, dir := range []string{"/", "/usr", "/mnt/data"} {
		for _, p := range paths {
			for _, follow := range []bool{true, false} {
				for round := 0; round < 2; round++ {
					got, err := r.Resolve(dir, p, follow)
					noOpenat2.Store(true)
					want, werr := r.walk(dir, p, follow)
					noOpenat2.Store(false)
					if got.Dir > 0 {
						hits++
						var viaDir, viaHost unix.Stat_t
						if err := unix.Fstatat(got.Dir, got.Name, &viaDir, unix.AT_SYMLINK_NOFOLLOW); err != nil {
							t.Errorf("%q: fstatat(Dir, %q): %v", p, got.Name, err)
						} else if unix.Lstat(got.Host, &viaHost) != nil || viaDir.Ino != viaHost.Ino || viaDir.Dev != viaHost.Dev {
							t.Errorf("%q: Dir/Name %q is not Host %s", p, got.Name, got.Host)
						}
						if !got.HasLstat || got.Lstat.Ino != viaHost.Ino || got.Lstat.Mode != viaHost.Mode {
							t.Errorf("%q: Lstat %+v (%v), want the lstat of %s", p, got.Lstat, got.HasLstat, got.Host)
						}
						got.Dir, got.Name, got.Lstat, got.HasLstat = 0, "", unix.Stat_t{}, false
					}
					if (err == nil) != (werr == nil) || err == nil && got != want {
						t.Errorf("dir %s path %q follow %v round %d: %+v, %v; walk %+v, %v", dir, p, follow, round, got, err, want, werr)
					}
				}
			}
		}
	}
	if hits == 0 {
		t.Error("no resolution looked up its last component in the cache")
	}
}

// TestResolveMatchesKernel checks the errno rules against the host kernel on a tree whose
// symlinks are all relative, where the guest walk and the native walk must agree.
func TestResolveMatchesKernel(t *testing.T) {
	root := t.TempDir()
	tree(t, root, "f:a/file", "l:a/rel=file", "l:a/loop1=loop2", "l:a/loop2=loop1", "l:a/dir=.", "d:a/sub")
	for i := 0; i <= 40; i++ {
		next := "c" + itoa(i+1)
		if i == 40 {
			next = "file"
		}
		must(t, os.Symlink(next, filepath.Join(root, "a", "c"+itoa(i))))
	}
	tb, err := bindings.New(root, nil)
	must(t, err)
	r := &Resolver{Table: tb}
	for _, p := range []string{"/a/file", "/a/rel", "/a/loop1", "/a/file/", "/a/file/x", "/a/missing/x", "/a/dir/dir/file", "/a/c0", "/a/c1", "/a/sub/", "/a/sub/../file"} {
		var st unix.Stat_t
		native := unix.Stat(root+p, &st)
		_, err := r.Resolve("/", p, true)
		if native == nil && err != nil || native != nil && errnoOf(err) != native && !(native == unix.ENOENT && err == nil) {
			t.Errorf("%s: native stat gives %v, Resolve gives %v", p, native, err)
		}
	}
}

// TestGlue checks that a binding below guest directories missing from the rootfs makes
// those directories appear, listable, without touching the rootfs.
func TestGlue(t *testing.T) {
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	host := filepath.Join(base, "x")
	tree(t, rootfs, "d:etc")
	tree(t, host, "f:file")
	before := listTree(t, rootfs)
	b, err := bindings.Parse(host+":/opt/new/x", "/")
	must(t, err)
	tb, err := bindings.New(rootfs, []bindings.Binding{b})
	must(t, err)
	must(t, tb.AddGlue(filepath.Join(base, "scratch")))
	r := &Resolver{Table: tb}
	for _, p := range []string{"/opt", "/opt/new"} {
		res, err := r.Resolve("/", p, true)
		if err != nil || !res.Exists {
			t.Fatalf("%s: %+v %v", p, res, err)
		}
		st, err := os.Stat(res.Host)
		if err != nil || !st.IsDir() {
			t.Fatalf("%s: host %s is not a directory: %v", p, res.Host, err)
		}
	}
	res, _ := r.Resolve("/", "/opt/new", true)
	ents, _ := os.ReadDir(res.Host)
	if len(ents) != 1 || ents[0].Name() != "x" {
		t.Fatalf("listing /opt/new: %v, want [x]", ents)
	}
	res, err = r.Resolve("/", "/opt/new/x/file", true)
	if err != nil || res.Host != filepath.Join(host, "file") {
		t.Fatalf("/opt/new/x/file -> %+v %v", res, err)
	}
	if g, ok := tb.HostToGuest(filepath.Join(base, "scratch", "opt", "new")); !ok || g != "/opt/new" {
		t.Fatalf("HostToGuest(glue) = %q %v", g, ok)
	}
	if after := listTree(t, rootfs); after != before {
		t.Fatalf("rootfs changed:\n%s\n---\n%s", before, after)
	}
}

func listTree(t *testing.T, root string) string {
	var b strings.Builder
	must(t, filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + info.Mode().String() + "\n")
		return nil
	}))
	return b.String()
}

// fakeProc answers /proc links the way the tracer does for a guest process whose pid
// is the test's own.
type fakeProc struct{ pid string }

func (f fakeProc) Readlink(host string) (string, bool, bool) {
	switch host {
	case "/proc/self":
		return f.pid, false, true
	case "/proc/" + f.pid + "/exe":
		return "/etc/passwd", false, true
	case "/proc/" + f.pid + "/fd/0", "/proc/" + f.pid + "/fd/1", "/proc/" + f.pid + "/fd/2":
		return "", true, true
	}
	return "", false, false
}

func TestProcLinks(t *testing.T) {
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	tree(t, rootfs, "f:etc/passwd", "d:proc")
	tb, err := bindings.New(rootfs, []bindings.Binding{{Host: "/proc", Guest: "/proc"}})
	must(t, err)
	pid := itoa(os.Getpid())
	r := &Resolver{Table: tb, Proc: fakeProc{pid}}
	res, err := r.Resolve("/", "/proc/self/exe", true)
	if err != nil || res.Host != filepath.Join(rootfs, "etc/passwd") || res.Guest != "/etc/passwd" {
		t.Fatalf("/proc/self/exe -> %+v %v", res, err)
	}
	res, err = r.Resolve("/", "/proc/self/fd/0", true)
	if err != nil || res.Host != "/proc/"+pid+"/fd/0" {
		t.Fatalf("/proc/self/fd/0 -> %+v %v, want the magic link handed to the kernel", res, err)
	}
	res, err = r.Resolve("/", "/proc/self/exe", false)
	if err != nil || res.Host != "/proc/"+pid+"/exe" {
		t.Fatalf("/proc/self/exe (nofollow) -> %+v %v", res, err)
	}
}

// TestResolveUnderRoot: with Root set (a guest that chroot()ed), absolute paths, absolute
// symlink targets and ".." stay under that root, as under a real chroot (the integration
// test TestFakeRootChroot compares whole runs with a native chroot).
func TestResolveUnderRoot(t *testing.T) {
	top := t.TempDir()
	tree(t, top, "f:inner/etc/hostname", "l:inner/abs=/etc/hostname", "l:inner/up=../../..", "d:inner/d", "f:etc/hostname")
	tb, err := bindings.New(top, nil)
	must(t, err)
	r := &Resolver{Table: tb, Root: "/inner"}
	cases := map[string]string{ // path resolved from /inner/d -> guest path
		"/etc/hostname":        "/inner/etc/hostname",
		"/abs":                 "/inner/etc/hostname",
		"/../../etc/hostname":  "/inner/etc/hostname",
		"../../../etc":         "/inner/etc",
		"/up/etc/hostname":     "/inner/etc/hostname",
		"hostname/../../d/../": "",
	}
	for p, want := range cases {
		got, err := r.Resolve("/inner/d", p, true)
		if want == "" {
			if err == nil {
				t.Errorf("%s: resolved to %s, want an error", p, got.Guest)
			}
			continue
		}
		if err != nil || got.Guest != want || got.Host != filepath.Join(top, want) {
			t.Errorf("%s: got %+v, %v; want guest %s", p, got, err, want)
		}
	}
	if got := Inner("/inner", "/inner/etc"); got != "/etc" {
		t.Errorf("Inner: %s", got)
	}
	if got := Inner("/inner", "/inner"); got != "/" {
		t.Errorf("Inner of the root: %s", got)
	}
}

// TestFastResolveLongMissingName checks that a missing last component over NAME_MAX is left
// to the walk (ENAMETOOLONG) on file systems whose lookup says ENOENT for it instead:
// procfs and sysfs do not check the length (a rootfs of "/" reaches them unbound).
func TestFastResolveLongMissingName(t *testing.T) {
	tb, err := bindings.New("/", nil)
	must(t, err)
	r := &Resolver{Table: tb}
	long := strings.Repeat("L", nameMax+1)
	for _, p := range []string{"/proc/" + long, "/sys/" + long, "/etc/" + long} {
		if res, ok, _ := r.fastResolve("/", p, true); ok {
			t.Errorf("%s...: fast path answered %+v", p[:8], res)
		}
		if _, err := r.Resolve("/", p, true); errnoOf(err) != unix.ENAMETOOLONG {
			t.Errorf("%s...: Resolve gives %v, want ENAMETOOLONG", p[:8], err)
		}
	}
}

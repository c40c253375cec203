package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/groot-sandbox/groot/test/fixtures"
)

// nativeCase is a command whose groot output must equal its native output.
type nativeCase struct {
	name  string
	binds []bind // bindings, given to groot as -b and made natively as bind mounts
	cmd   []string
	needs string // a program of the fixture the case needs (the arm64 VM's lacks musl)
}

func bindOpts(binds []bind) []string {
	var opts []string
	for _, b := range binds {
		opts = append(opts, "-b", b.host+":"+b.guest)
	}
	return opts
}

func TestSameAsNative(t *testing.T) {
	proc := []bind{{"/proc", "/proc"}}
	dev := []bind{{"/dev", "/dev"}}
	cases := []nativeCase{
		{name: "ls-root", cmd: []string{"ls", "/"}},
		{name: "cd-bin-pwd", cmd: []string{"sh", "-c", "cd /bin && pwd && /bin/pwd"}},
		{name: "cd-guest-only-dir", cmd: []string{"sh", "-c", "rm -rf /tmp/only-in-guest && mkdir -p /tmp/only-in-guest/sub && cd /tmp/only-in-guest/sub && pwd && /bin/pwd && cd .. && ls && cd /usr/local/bin && ls execerr"}},
		{name: "readlink-sh", cmd: []string{"readlink", "/bin/sh"}},
		{name: "dotdot-at-root", cmd: []string{"sh", "-c", "cd / && cd .. && pwd && /bin/pwd && ls ../../../etc/passwd"}},
		{name: "absolute-symlink", cmd: []string{"cat", "/etc/alt-passwd"}},
		{name: "pipeline-background", binds: dev, cmd: []string{"sh", "-c", "sleep 0.2 & echo abc | tr a-c x-z | cat; wait; echo done $?"}},
		{name: "exit-0", cmd: []string{"true"}},
		{name: "exit-42", cmd: []string{"sh", "-c", "exit 42"}},
		{name: "killed-9", cmd: []string{"sh", "-c", "kill -9 $$"}},
		{name: "killed-term", cmd: []string{"sh", "-c", "kill -TERM $$"}},
		{name: "unix-socket", binds: dev, cmd: []string{"sh", "-c", "(usock serve /tmp/usock.s & sleep 0.3; usock connect /tmp/usock.s hello; wait) | sort"}},
		{name: "unix-socket-long-path", binds: dev, cmd: []string{"sh", "-c", "d=/tmp/" + strings.Repeat("long-directory-name/", 4) + "x && mkdir -p $d && (usock serve $d/sock & sleep 0.3; usock connect $d/sock hi; wait) | sort; rm -rf /tmp/long-directory-name"}},
		// A long last name as well: sun_path holds 108 bytes, the guest's name 90.
		{name: "unix-socket-long-name", binds: dev, cmd: []string{"sh", "-c", "d=/tmp/long-directory-name/x && s=" + strings.Repeat("s", 90) + " && mkdir -p $d && cd $d && (usock serve $s & sleep 0.3; usock connect $s hi; wait) | sort; ls $d; rm -rf /tmp/long-directory-name"}},
		{name: "musl-guest-interpreter", binds: proc, cmd: []string{"hello-musl", "a", "b c"}, needs: "/usr/local/bin/hello-musl"},
		{name: "glibc-guest-interpreter", binds: proc, cmd: []string{"hello-glibc", "a", "b c"}},
		{name: "proc-self-exe", binds: proc, cmd: []string{"sh", "-c", "readlink /proc/self/exe; cat /proc/self/comm; ls -l /proc/self/cwd | sed 's/.*-> //'"}},
		{name: "reexec-proc-self-exe", binds: proc, cmd: []string{"execerr", "/proc/self/exe", "again"}},
		{name: "shebang-chain", cmd: []string{"sh", "-c", `printf '#!/bin/sh\necho "$0" "$@"\n' > /tmp/s2; printf '#!/tmp/s2 opt arg\n' > /tmp/s1; chmod +x /tmp/s1 /tmp/s2; /tmp/s1 x y; cd /tmp && ./s1 z`}},
		{name: "execve-errors", cmd: []string{"sh", "-c", `printf 'junk\n' > /tmp/junk; chmod +x /tmp/junk; printf '#!/bin/sh\n' > /tmp/noexec; chmod -x /tmp/noexec; printf '#!/nowhere/sh\n' > /tmp/badinterp; chmod +x /tmp/badinterp; for p in /nope /tmp /tmp/junk /tmp/noexec /tmp/badinterp /etc/passwd/x; do execerr $p; done`}},
		// fexecve of a file no guest path names (a memfd), and of one the guest has, with
		// the fd kept or closed by the exec (before the dynamic program is loaded).
		// (hello-glibc prints its /proc/self/exe and comm: a memfd's name, the file's or
		// the fd's number, by kernel version.)
		{name: "fexecve", cmd: []string{"sh", "-c", "for h in at at-cloexec proc proc-cloexec; do for s in memfd:/usr/local/bin/hello-glibc fd:/usr/local/bin/hello-glibc memfd:/bin/busybox; do fexec $s $h echo x; done; done"}},
		{name: "fexecve-proc", binds: proc, cmd: []string{"sh", "-c", "for h in at at-cloexec proc proc-cloexec; do for s in memfd:/usr/local/bin/hello-glibc fd:/usr/local/bin/hello-glibc; do fexec $s $h echo x; done; done"}},
		// After an ancestor of the cwd was renamed (by another process: mv), relative
		// paths and getcwd follow it; after the cwd was removed, getcwd fails.
		{name: "cwd-renamed-removed", cmd: []string{"sh", "-c", "mkdir -p /tmp/a/b && cd /tmp/a/b && echo here > f && mv /tmp/a /tmp/c && cat f && ls && pwd -P; /bin/pwd; cd /tmp/c/b && rmdir /tmp/c/b/f 2>/dev/null; rm f && rmdir /tmp/c/b && /bin/pwd; echo status $?; cd /; rm -rf /tmp/c"}},
		// The guest inherits no descriptor of groot's (ls's own directory is fd 3).
		{name: "inherited-fds", binds: proc, cmd: []string{"ls", "/proc/self/fd"}},
		{name: "threads8", cmd: []string{"threads8"}},
		{name: "not-dumpable", cmd: []string{"ids", "undumpable", "/etc/passwd"}},
		{name: "missing-file-errors", cmd: []string{"sh", "-c", "ids missing /etc/nowhere; ids missing /nodir/x; ids missing /etc/passwd/x; cd /etc && ids missing nowhere"}},
		{name: "exec-from-thread", cmd: []string{"/usr/local/bin/execthread"}},
		{name: "go-goroutines", cmd: []string{"sh", "-c", "rm -rf /tmp/goio && mkdir /tmp/goio && goio /tmp/goio"}},
		{name: "write-into-rootfs", cmd: []string{"sh", "-c", "echo written > /tmp/w.txt && cat /tmp/w.txt && rm /tmp/w.txt"}},
		// AT_EXECFN is the path given to execve, for a static and a dynamic program.
		{name: "auxv-execfn", cmd: []string{"sh", "-c", "ids auxv | sed 's/.*AT_EXECFN //'; cd /usr/local/bin && ./ids auxv | sed 's/.*AT_EXECFN //'; LD_SHOW_AUXV=1 hello-glibc | grep EXECFN"}},
		{name: "restarted-open", cmd: []string{"restart", "/tmp/restart.fifo"}},
		// The tracer may keep the guest on its own CPU (package colocate): the guest still
		// sees every CPU groot was given, and a mask it sets itself is its own.
		{name: "cpu-affinity", cmd: []string{"sh", "-c", "nproc; taskset -p $$ | sed 's/.*: //'; taskset -c 0 nproc; taskset -c 0 sh -c 'taskset -p $$' | sed 's/.*: //'"}},
		// The seccomp filter must not bring the kernel's speculation mitigations for
		// sandboxes onto the guest (SECCOMP_FILTER_FLAG_SPEC_ALLOW): where they are in
		// "seccomp" mode the lines would read "force mitigated".
		{name: "speculation-mitigations", binds: proc, cmd: []string{"sh", "-c", "grep -i '^Speculation' /proc/self/status"}},
		// groot's own threads run SCHED_BATCH (package colocate): the guest, forked from a
		// tracer thread, keeps the policy and nice value groot was started with
		// (/proc/PID/stat fields 19 and 41).
		{name: "scheduling-policy", binds: proc, cmd: []string{"sh", "-c", "cut -d' ' -f19,41 /proc/self/stat; sh -c 'cut -d\" \" -f19,41 /proc/self/stat'"}},
		// The tracer answers stat calls through descriptors of directories it has seen
		// (pathmap.DirCache): after the guest renames, removes or makes unsearchable a
		// directory on the way, the answers are the kernel's again.
		{name: "directory-cache", cmd: []string{"sh", "-c", "d=/tmp/dc; rm -rf $d; mkdir -p $d/a/b && echo x > $d/a/b/f && stat -c %n $d/a/b/f $d/a/b/f; " +
			"mv $d/a $d/z; stat -c %n $d/a/b/f $d/z/b/f; mkdir -p $d/a/b; stat -c %n $d/a/b/f; " +
			"ln -s $d/z/b $d/a/l; stat -L -c %n $d/a/l/f; chmod 000 $d/z/b; stat -c %n $d/z/b/f; chmod 755 $d/z/b; stat -c %n $d/z/b/f; " +
			"rmdir $d/a/b; mv $d/z/b $d/a/b; stat -c %n $d/a/b/f $d/z/b/f; rm -rf $d"}},
		// A trailing slash on the entry a call creates, removes or renames: a symlink
		// there is not followed (ENOTDIR, EEXIST, EISDIR), where lookups follow it.
		{name: "trailing-slash", cmd: []string{"trailslash"}},
		// readlinkat(fd, "") reads the symlink the O_PATH descriptor is open on; of a
		// file that is no symlink, ENOENT.
		{name: "readlink-of-fd", cmd: []string{"sh", "-c", "cd /tmp && rm -f rl && ln -s ../etc/passwd rl && linkfd rl /tmp/rl /bin/sh /etc/passwd; rm rl"}},
		// lstat of /proc/self/fd/N is the magic link (busybox's ls uses newfstatat).
		{name: "lstat-proc-fd-link", binds: append(proc, dev...), cmd: []string{"sh", "-c", "ls -l /proc/self/fd/0 /proc/$$/fd/0 < /dev/null | awk '{print $1, $NF}'"}},
		{name: "readlink-of-fd-proc", binds: proc, cmd: []string{"linkfd", "/proc/self/exe", "/proc/self/cwd"}},
		// openat2's scoped resolution (RESOLVE_BENEATH, RESOLVE_IN_ROOT) stays relative to
		// the directory fd: what would leave it is refused or kept inside, as natively.
		// A binding's guest path is a mount point: rmdir, unlink and rename of it are
		// EBUSY (the host directory must not go).
		{name: "binding-mount-point", binds: []bind{{"/etc", "/opt"}}, cmd: []string{"sh", "-c", "{ rmdir /opt; rmdir /opt/; mv /opt /tmp/x; ls /opt/passwd; } 2>&1"}},
		{name: "openat2-scoped", cmd: []string{"scoped"}},
		{name: "openat2-scoped-binding", binds: []bind{{"/etc", "/opt"}}, cmd: []string{"scoped", "root", "opt/passwd", "/opt/passwd", "../opt/passwd", "etc/passwd"}},
		// CLONE_FS: a vfork-style clone that shares it moves its parent's cwd; a thread
		// that unshares it moves alone.
		{name: "clone-fs", cmd: []string{"clonefs"}},
		// execve's argument limits are the kernel's: many short arguments (the tracer
		// reads them all), one string of MAX_ARG_STRLEN (E2BIG, not EFAULT).
		{name: "exec-argument-limits", cmd: []string{"execargs", "190000", "1", "1", "131071", "1", "131072"}},
		{name: "symlink-readlink-rename", cmd: []string{"sh", "-c", "cd /tmp && rm -rf d && mkdir d && ln -s ../etc/passwd d/l && readlink d/l && head -1 d/l && mv d e && ls e && rm -r e"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.needs != "" {
				needs(t, c.needs, exists(filepath.Join(rootfs, c.needs)))
			}
			want := native(t, c.binds, c.cmd...)
			for _, m := range modes() {
				t.Run(m.Name, func(t *testing.T) {
					got := groot(t, m, bindOpts(c.binds), c.cmd...)
					same(t, got, want)
				})
			}
		})
	}
}

func TestWorkingDirectory(t *testing.T) {
	want := native(t, nil, "sh", "-c", "cd /tmp && pwd")
	for _, m := range modes() {
		got := groot(t, m, []string{"-w", "/tmp"}, "pwd")
		same(t, got, want)
	}
}

// TestBindings checks every binding form against what the host itself holds.
func TestBindings(t *testing.T) {
	host := filepath.Join(work, "bind-host")
	if err := os.MkdirAll(filepath.Join(host, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(host, "file"), []byte("from the host\n"), 0o644)
	os.WriteFile(filepath.Join(host, "sub", "inner"), []byte("inner\n"), 0o644)
	hostFile := filepath.Join(work, "hostname.txt")
	os.WriteFile(hostFile, []byte("bound-over\n"), 0o644)
	link := filepath.Join(work, "bind-link")
	os.Symlink(host, link)
	// A symlink inside the bound tree, written with a host path.
	os.Symlink(filepath.Join(host, "file"), filepath.Join(host, "abs-link"))
	out := filepath.Join(work, "out")
	os.MkdirAll(out, 0o777)
	os.Chmod(out, 0o777)
	chownTree(t, work)

	cases := []struct {
		name string
		opts []string
		cmd  string
		want string
	}{
		{"same-path", []string{"-b", host}, "cat " + host + "/file", "from the host\n"},
		{"host-to-guest", []string{"-b", host + ":/mnt"}, "cat /mnt/file /mnt/sub/inner", "from the host\ninner\n"},
		{"relative-host", []string{"-b", "bind-host:/mnt"}, "cat /mnt/file", "from the host\n"},
		{"mount-spelling", []string{"-m", host + ":/mnt"}, "cat /mnt/file", "from the host\n"},
		{"symlink-dereferenced", []string{"-b", link + ":/mnt"}, "cat /mnt/file", "from the host\n"},
		{"guest-symlink-dereferenced", []string{"-b", hostFile + ":/etc/alt-passwd"}, "cat /etc/passwd", "bound-over\n"},
		{"guest-symlink-kept", []string{"-b", hostFile + ":/etc/alt-passwd!"}, "cat /etc/alt-passwd; head -1 /etc/passwd", "bound-over\nroot:x:0:0:root:/root:/bin/sh\n"},
		{"rootfs-after-binding-of-root", []string{"-b", "/etc:/", "-r", rootfs}, "cat /etc/hostname", "fixture\n"},
		{"file-over-file", []string{"-b", hostFile + ":/etc/hostname"}, "cat /etc/hostname", "bound-over\n"},
		{"missing-guest-parents", []string{"-b", host + ":/opt/new/x"}, "ls /opt/new && cat /opt/new/x/file", "x\nfrom the host\n"},
		// The working directory may be a binding's, or one on the way to it, that the
		// rootfs lacks (PRoot's `-b $PWD`, `-w $PWD`): groot starts there.
		{"workdir-in-binding", []string{"-b", host + ":/opt/new/x", "-w", "/opt/new/x/sub"}, "pwd && cat inner", "/opt/new/x/sub\ninner\n"},
		{"workdir-on-the-way", []string{"-b", host + ":/opt/new/x", "-w", "/opt/new"}, "pwd && ls", "/opt/new\nx\n"},
		{"host-cwd-bound", []string{"-b", work}, "pwd", work + "\n"},
		// A binding's guest path that the rootfs lacks is listed in its directory, as in
		// PRoot (and natively, where it is a mount point).
		{"mount-point-listed", []string{"-b", host + ":/newtop", "-b", hostFile + ":/run/hn", "-b", host + ":/srv/a/b"}, "ls / | grep -e newtop -e srv; ls /run /srv", "newtop\nsrv\n/run:\nhn\n\n/srv:\na\n"},
		{"write-through-binding", []string{"-b", out + ":/out"}, "echo via-binding > /out/w && cat /out/w", "via-binding\n"},
		{"later-binding-wins", []string{"-b", out + ":/mnt", "-b", host + ":/mnt"}, "cat /mnt/file", "from the host\n"},
	}
	// PRoot's reading of host-path symlinks inside a binding: the ptrace engine only (a
	// real bind mount shows the link's text as it is; see the README).
	ptraceOnly := map[string]bool{"host-symlink-in-binding": true}
	cases = append(cases, struct {
		name string
		opts []string
		cmd  string
		want string
	}{"host-symlink-in-binding", []string{"-b", host + ":/mnt"}, "readlink /mnt/abs-link; cat /mnt/abs-link", "/mnt/file\nfrom the host\n"})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, m := range modes() {
				if ptraceOnly[c.name] && !strings.HasPrefix(m.Name, "ptrace") && !isProot {
					continue
				}
				t.Run(m.Name, func(t *testing.T) {
					got := groot(t, m, c.opts, "sh", "-c", c.cmd)
					if got.Stdout != c.want || got.Code != 0 {
						t.Errorf("got\n%v\nwant stdout %q", got, c.want)
					}
				})
			}
		})
	}
	for _, p := range []string{"newtop", "run/hn", "srv"} {
		if _, err := os.Lstat(filepath.Join(rootfs, p)); err == nil {
			t.Errorf("%s: the entry made for the run's listing is still in the rootfs", p)
		}
	}
	data, err := os.ReadFile(filepath.Join(out, "w"))
	if err != nil || string(data) != "via-binding\n" {
		t.Errorf("a write through the binding did not land on the host: %q %v", data, err)
	}
}

func chownTree(t *testing.T, dir string) {
	if os.Getuid() == 0 {
		if err := filepathWalkChown(dir); err != nil {
			t.Fatal(err)
		}
	}
}

func filepathWalkChown(dir string) error {
	return filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p == filepath.Join(work, "groot") {
			return nil
		}
		return os.Lchown(p, uid, gid)
	})
}

// TestRootfsUnchanged checks that a run that only reads leaves the rootfs as it was.
func TestRootfsUnchanged(t *testing.T) {
	before := manifest(t, rootfs)
	for _, m := range modes() {
		got := groot(t, m, []string{"-b", "/proc", "-b", "/dev", "-b", work + ":/opt/new/x"}, "sh", "-c", "ls -R / >/dev/null 2>&1; cat /etc/passwd >/dev/null; ls /opt/new")
		if got.Code != 0 {
			t.Errorf("%s: %v", m.Name, got)
		}
	}
	if after := manifest(t, rootfs); after != before {
		t.Errorf("the rootfs changed:\n%s", diffLines(before, after))
	}
}

func manifest(t *testing.T, root string) string {
	var b strings.Builder
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(p + " " + info.Mode().String() + " " + info.ModTime().String() + "\n")
		if info.Mode().IsRegular() {
			b.WriteString(" size " + itoa(int(info.Size())) + "\n")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }

func fmtInt(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return fmtInt(i/10) + string(rune('0'+i%10))
}

// TestVerbose checks that -v 2 reports translations.
func TestVerbose(t *testing.T) {
	if isProot {
		t.Skip("groot's own log format")
	}
	for _, m := range modes() {
		if !strings.HasPrefix(m.Name, "ptrace") {
			continue
		}
		got := groot(t, m, []string{"-v", "2"}, "cat", "/etc/hostname")
		host := filepath.Join(rootfs, "etc/hostname")
		if got.Code != 0 || !strings.Contains(got.Stderr, "groot: ") || !strings.Contains(got.Stderr, "/etc/hostname -> "+host) {
			t.Errorf("%s: -v 2 does not show the translation of /etc/hostname:\n%v", m.Name, got)
		}
	}
}

func diffLines(a, b string) string {
	in := map[string]bool{}
	for _, l := range strings.Split(a, "\n") {
		in[l] = true
	}
	var out []string
	for _, l := range strings.Split(b, "\n") {
		if !in[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}

// TestProcMountedInRootfs: a rootfs with a procfs already mounted on its /proc (a tree
// made for chroot) shows the guest's own processes there, as natively, not groot's: the
// tracer answers /proc/self under the host's /proc only, so that mount counts as a
// binding of /proc.
func TestProcMountedInRootfs(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("mounting a procfs in the rootfs needs root; CI runs as root")
	}
	target := filepath.Join(rootfs, "proc")
	if out, err := exec.Command("mount", "--bind", "/proc", target).CombinedOutput(); err != nil {
		t.Fatalf("mount --bind /proc %s: %v\n%s", target, err, out)
	}
	defer exec.Command("umount", target).Run()
	cmd := []string{"sh", "-c", "cat /proc/self/comm; readlink /proc/self/exe; cd /tmp && readlink /proc/self/cwd; ls /proc/self/fd"}
	want := native(t, nil, cmd...)
	for _, m := range modes() {
		t.Run(m.Name, func(t *testing.T) {
			same(t, groot(t, m, nil, cmd...), want)
		})
	}
}

// TestDescriptorsPassedOn: descriptors groot is given beyond 0, 1 and 2 reach the guest
// as they would natively (a script's `3<file`, a make jobserver's fds), in every engine
// and whatever it sets up (the namespace engine's child once took fds 3 and 4 for its
// own pipes when it had mounts to make).
func TestDescriptorsPassedOn(t *testing.T) {
	for i, s := range []string{"three\n", "four\n"} {
		if err := os.WriteFile(filepath.Join(work, "fd"+strconv.Itoa(i+3)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range modes() {
		for _, opts := range [][]string{nil, {"-b", "/proc"}} {
			t.Run(m.Name+strings.Join(opts, ""), func(t *testing.T) {
				args := append(append(append([]string{}, m.Args...), "-r", rootfs), opts...)
				args = append(args, "sh", "-c", "cat <&3; cat <&4")
				got := run(t, work, m.Env, true, "sh", append([]string{"-c", `exec 3<fd3 4<fd4; exec "$@"`, "sh", grootBin}, args...)...)
				if got.Code != 0 || got.Stdout != "three\nfour\n" {
					t.Errorf("%v\nwant the contents of the files open as fds 3 and 4", got)
				}
			})
		}
	}
}

// TestMountPointEntriesStayInRootfs: the entries made for binding mount points are made
// and removed in the rootfs only: a guest that puts a symlink to a host directory in
// place of the entry's directory does not get groot to remove the host's entry of that
// name at exit, and a symlink in the rootfs on the way makes nothing outside it.
func TestMountPointEntriesStayInRootfs(t *testing.T) {
	root := filepath.Join(work, "mp-rootfs")
	if err := fixtures.CopyTree(rootfs, root); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(root)
	victim := filepath.Join(work, "mp-victim")
	for _, d := range []string{filepath.Join(victim, "sub"), filepath.Join(work, "mp-src")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	defer os.RemoveAll(victim)
	if err := os.Symlink(victim, filepath.Join(root, "opt2")); err != nil {
		t.Fatal(err)
	}
	chownTree(t, work)
	for _, m := range modes() {
		if !strings.HasPrefix(m.Name, "ptrace") {
			continue // the namespace engine makes no entries in the rootfs
		}
		t.Run(m.Name, func(t *testing.T) {
			args := append(append([]string{}, m.Args...), "-r", root, "-b", filepath.Join(work, "mp-src")+":/etc/sub", "-b", filepath.Join(work, "mp-src")+":/opt2/new!",
				"sh", "-c", "ls /etc | grep -x sub && mv /etc /etc.old && ln -s "+victim+" /etc && echo moved")
			got := run(t, work, m.Env, true, grootBin, args...)
			if got.Code != 0 || got.Stdout != "sub\nmoved\n" {
				t.Errorf("%v", got)
			}
			if _, err := os.Stat(filepath.Join(victim, "sub")); err != nil {
				t.Errorf("the host directory outside the rootfs was removed: %v", err)
			}
			if _, err := os.Lstat(filepath.Join(victim, "new")); err == nil {
				t.Errorf("an entry was made outside the rootfs, through the rootfs's symlink")
			}
			if _, err := os.Lstat(filepath.Join(root, "etc.old", "sub")); err == nil {
				t.Errorf("the entry made for the run stayed in the rootfs")
			}
			os.Remove(filepath.Join(root, "etc"))
			if err := os.Rename(filepath.Join(root, "etc.old"), filepath.Join(root, "etc")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

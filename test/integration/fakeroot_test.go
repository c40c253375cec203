package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeModes are the engines that fake ownership: ptrace, with and without seccomp (the
// namespace engine maps the ids only; -0 picks ptrace in auto mode).
func fakeModes() []mode {
	var out []mode
	for _, m := range modes() {
		if strings.HasPrefix(m.Name, "ptrace") || m.Name == "proot" {
			out = append(out, m)
		}
	}
	return out
}

// TestFakeRootSameAsRoot compares groot -0 (as the unprivileged test user) with the same
// command run natively as root: what the guest sets is what it sees, as for real root.
func TestFakeRootSameAsRoot(t *testing.T) {
	cases := []struct {
		name string
		cmd  string
	}{
		{"id", "id; id -u; id -g"},
		{"chown-stat", "cd /tmp && rm -f f && touch f && chown 123:456 f && stat -c '%u:%g %a' f && ls -ln f | awk '{print $3, $4}' && chown 7 f && stat -c %u:%g f && chown :9 f && stat -c %u:%g f && ids fstat f && rm f"},
		{"chown-symlink", "cd /tmp && rm -f t l && touch t && ln -s t l && chown -h 5:5 l && stat -c %u:%g l t && chown 6:6 l && stat -c %u:%g l t && rm l t"},
		{"chown-clears-setuid", "cd /tmp && rm -f f && touch f && chmod 6755 f && stat -c %a f && chown 3 f && stat -c %a f && rm f"},
		{"chmod", "cd /tmp && rm -f f && touch f && chmod 4711 f && stat -c %a f && chmod 0 f && stat -c %a f && rm f"},
		{"mknod", "cd /tmp && rm -f null blk && mknod null c 1 3 && mknod blk b 7 0 && ls -l null blk | awk '{print $1, $5, $6}' && stat -c '%F %t:%T %a' null blk && ids fstat null | tail -1 && rm null blk"},
		{"access-as-root", "cd /tmp && rm -f f && touch f && chmod 0 f && test -r f && test -w f && echo rw-ok; test -x f || echo no-x; chmod 0100 f && test -x f && echo x-ok; rm f"},
		{"rename-and-delete", "cd /tmp && rm -rf a b d e && touch a && chown 7:7 a && mv a b && stat -c %u:%g b && mkdir d && chown 8 d && mv b d/ && mv d e && stat -c %u e e/b && rm -r e && touch c && stat -c %u:%g c && rm c"},
		{"root-ignores-modes", "cd /tmp && rm -rf d f && mkdir -m 0 d && touch d/f && ls d && stat -c %a d && echo x > f && chmod 0444 f && echo y >> f && cat f && stat -c %a f && chmod 0 f && cat f && rm -rf d f"},
		{"permission-bypass", "cd /tmp && rm -rf p && mkdir -p p/sub && echo x > p/sub/f && chmod 0 p/sub/f p/sub p && cat p/sub/f && touch p/sub/g && ls p/sub && stat -c %a p p/sub p/sub/f && chmod 0 p/sub/g && echo y >> p/sub/g && cat p/sub/g && cd p/sub && cat f && cd / && rm -rf /tmp/p && echo gone"},
		{"set-ids", "ids seq"},
		{"no-new-privs", "ids nnp"},
		{"auxv-ids", "ids auxv"},
		// A new entry's owner: the group of a set-group-ID directory (whose group the
		// guest set), and the fs ids of a task that switched users, for every kind.
		{"new-entry-owners", "cd /tmp && rm -rf sg u && mkdir sg && chown 0:50 sg && chmod 2775 sg && touch sg/f && mkdir sg/d && mkfifo sg/p && ln -s f sg/l && stat -c '%n %u:%g %a' sg/f sg/d sg/p sg/l && mkdir -m 777 u && asuser 33 44 sh -c 'ln -s x u/l; mkfifo u/p; touch u/f; mkdir u/d' && stat -c '%n %u:%g' u/l u/p u/f u/d && rm -rf sg u"},
		{"tar-ownership", "cd /tmp && rm -rf t t.tar && mkdir t && touch t/a && chown 12:34 t/a && tar cf t.tar t && tar tvf t.tar | awk '{print $2}' && rm -rf t t.tar"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := nativeAs(t, 0, 0, nil, "sh", "-c", c.cmd)
			if want.Code != 0 || want.Stdout == "" {
				t.Fatalf("the native run as root failed: the case is wrong\n%v", want)
			}
			for _, m := range fakeModes() {
				t.Run(m.Name, func(t *testing.T) {
					got := groot(t, m, []string{"-0"}, "sh", "-c", c.cmd)
					same(t, got, want)
				})
			}
		})
	}
}

// TestFakeRootMissingPath: chmod and chown of a path the guest does not have fail as they
// do natively, and touch nothing outside the rootfs, even where the same path exists on
// the host (fake root's handlers once took the guest's string for a host path when the
// guest walk failed, and changed the host file) or names groot's own /proc/self.
func TestFakeRootMissingPath(t *testing.T) {
	victim := filepath.Join(work, "fake-root-victim")
	if err := os.WriteFile(victim, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(victim)
	if err := os.Chown(victim, uid, gid); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{victim, "/proc/self/fd/1"} {
		want := nativeAs(t, 0, 0, nil, "ids", "change", p)
		if want.Code != 0 || strings.Count(want.Stdout, "No such file or directory") != 6 {
			t.Fatalf("the native run as root: want ENOENT six times\n%v", want)
		}
		for _, m := range fakeModes() {
			t.Run(m.Name, func(t *testing.T) {
				same(t, groot(t, m, []string{"-0"}, "ids", "change", p), want)
				st, err := os.Stat(victim)
				if err != nil || st.Mode().Perm() != 0o600 || st.Size() != 1 {
					t.Errorf("the host file outside the rootfs changed: %v %v", st.Mode(), err)
				}
			})
		}
	}
}

// TestFakeRootProcStatus: /proc/PID/status shows the fake identities, as root's and an
// unprivileged user's processes show theirs natively (shadow's userdel reads it), and
// the real user's other processes show the real ids as the fake ones.
func TestFakeRootProcStatus(t *testing.T) {
	proc := []bind{{"/proc", "/proc"}}
	cmd := []string{"sh", "-c", "grep -E '^(Uid|Gid|Groups)' /proc/self/status; asuser 33 44 grep -E '^(Uid|Gid|Groups)' /proc/self/status"}
	want := nativeAs(t, 0, 0, proc, cmd...)
	if want.Code != 0 || !strings.Contains(want.Stdout, "Uid:\t33\t33\t33\t33") {
		t.Fatalf("the native run as root: %v", want)
	}
	for _, m := range fakeModes() {
		t.Run(m.Name, func(t *testing.T) {
			same(t, groot(t, m, append([]string{"-0"}, bindOpts(proc)...), cmd...), want)
			// groot itself runs as the real user: shown as root.
			got := groot(t, m, append([]string{"-0"}, bindOpts(proc)...), "sh", "-c", "grep '^Uid' /proc/$PPID/status")
			if got.Code != 0 || got.Stdout != "Uid:\t0\t0\t0\t0\n" {
				t.Errorf("groot's own status: %v", got)
			}
		})
	}
}

// TestFakeRootModesOnDisk: what root chmods is what stays on disk, and the modes the
// permission bypass lends for a call are back afterwards (seen from outside groot).
func TestFakeRootModesOnDisk(t *testing.T) {
	dir := filepath.Join(rootfs, "tmp", "modes-on-disk")
	defer func() {
		exec.Command("chmod", "-R", "u+rwx", dir).Run()
		os.RemoveAll(dir)
	}()
	for _, m := range fakeModes() {
		t.Run(m.Name, func(t *testing.T) {
			exec.Command("chmod", "-R", "u+rwx", dir).Run()
			os.RemoveAll(dir)
			got := groot(t, m, []string{"-0"}, "sh", "-c", "mkdir -p /tmp/modes-on-disk/d && echo x > /tmp/modes-on-disk/d/f && chmod 0 /tmp/modes-on-disk/d/f /tmp/modes-on-disk/d && chmod 020 /tmp/modes-on-disk && cat /tmp/modes-on-disk/d/f")
			if got.Code != 0 || got.Stdout != "x\n" {
				t.Fatalf("%v", got)
			}
			for path, want := range map[string]os.FileMode{dir: 0o020, dir + "/d": 0, dir + "/d/f": 0} {
				st, err := os.Lstat(path)
				if err != nil || st.Mode().Perm() != want {
					t.Errorf("%s: mode %v on disk (%v), want %v", path, st.Mode().Perm(), err, want)
				}
			}
		})
	}
}

// TestFakeRootHostname: root may set the host and domain names; under groot -0 they
// change for the guest only, as natively in a UTS namespace of root's own. A non-root
// identity gets the kernel's EPERM.
func TestFakeRootHostname(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the native comparison needs root")
	}
	want := run(t, work, nil, false, "unshare", "--mount", "--uts", "--propagation", "private",
		"chroot", rootfs, "/usr/local/bin/ids", "uts", "box", "example.org")
	if want.Code != 0 || !strings.Contains(want.Stdout, "nodename=box ") {
		t.Fatalf("the native run failed: %v", want)
	}
	asUser := nativeAs(t, 123, 456, nil, "ids", "uts", "box", "example.org")
	for _, m := range fakeModes() {
		t.Run(m.Name, func(t *testing.T) {
			same(t, groot(t, m, []string{"-0"}, "ids", "uts", "box", "example.org"), want)
			same(t, groot(t, m, []string{"-i", "123:456"}, "ids", "uts", "box", "example.org"), asUser)
		})
	}
}

// TestChangeID: -i UID:GID is the same as running as that user natively.
func TestChangeID(t *testing.T) {
	want := nativeAs(t, 123, 456, nil, "sh", "-c", "id; ids seq | head -3; ids auxv")
	for _, m := range fakeModes() {
		t.Run(m.Name, func(t *testing.T) {
			same(t, groot(t, m, []string{"-i", "123:456"}, "sh", "-c", "id; ids seq | head -3; ids auxv"), want)
		})
	}
}

// TestSetuidUnderChangeID: under -i, a set-user-ID (and set-group-ID) program of the
// rootfs's own, that is the real user's, makes the euid and egid 0, as PRoot does (its
// test getresid): the tree was root's before the user unpacked it, and sudo or su must
// work under -i. An owner the guest set with chown is the owner that counts.
func TestSetuidUnderChangeID(t *testing.T) {
	prog := filepath.Join(rootfs, "tmp", "ids-suid")
	data, err := os.ReadFile(filepath.Join(rootfs, "usr", "local", "bin", "ids"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(prog, data, 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(prog)
	// The real user's (the test user's), as everything the user unpacked.
	if err := os.Chown(prog, uid, gid); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(prog, os.ModeSetuid|os.ModeSetgid|0o755); err != nil {
		t.Fatal(err)
	}
	for _, m := range fakeModes() {
		t.Run(m.Name, func(t *testing.T) {
			got := groot(t, m, []string{"-i", "123:456"}, "sh", "-c", "/tmp/ids-suid seq | head -1")
			if !strings.Contains(got.Stdout, "uid 123/0/0 fs 0 gid 456/0/0 fs 0") || got.Code != 0 {
				t.Errorf("set-user-ID root program under -i 123:456: %v", got)
			}
			// An owner root set under -0 is the one that counts.
			got = groot(t, m, []string{"-0"}, "sh", "-c", "cp /tmp/ids-suid /tmp/ids-suid7 && chown 7:8 /tmp/ids-suid7 && chmod 6755 /tmp/ids-suid7 && /tmp/ids-suid7 seq | head -1; rm -f /tmp/ids-suid7")
			if !strings.Contains(got.Stdout, "uid 0/7/7 fs 7 gid 0/8/8 fs 8") || got.Code != 0 {
				t.Errorf("set-user-ID program chowned to 7:8 under -0: %v", got)
			}
		})
	}
}

// TestFakeDB: ownership set under -0 with --fake-db survives into later runs, follows a
// rename made in one of them, and a tar made in a later run records it.
func TestFakeDB(t *testing.T) {
	for _, m := range fakeModes() {
		t.Run(m.Name, func(t *testing.T) {
			if isProot {
				t.Skip("--fake-db is groot's")
			}
			dir, err := os.MkdirTemp(work, "fakedb-")
			if err != nil {
				t.Fatal(err)
			}
			defer os.RemoveAll(dir)
			os.Chmod(dir, 0o777)
			db := filepath.Join(dir, "owners.db")
			opts := []string{"-0", "--fake-db", db}
			step := func(cmd string) string {
				t.Helper()
				r := groot(t, m, opts, "sh", "-c", cmd)
				if r.Code != 0 {
					t.Fatalf("%s:\n%v", cmd, r)
				}
				return r.Stdout
			}
			step("rm -rf /tmp/fdb /tmp/fdb2 && mkdir /tmp/fdb && touch /tmp/fdb/f && chown 123:456 /tmp/fdb/f && mknod /tmp/fdb/null c 1 3")
			if got := step("stat -c %u:%g /tmp/fdb/f"); got != "123:456\n" {
				t.Fatalf("second run: stat says %q, want 123:456", got)
			}
			// The trailing slash, as tab completion writes it, must not hide the move.
			step("mv /tmp/fdb/ /tmp/fdb2")
			if got := step("stat -c '%u:%g %F %t,%T' /tmp/fdb2/f /tmp/fdb2/null"); got != "123:456 regular empty file 0,0\n0:0 character special file 1,3\n" {
				t.Fatalf("after a rename in another run: %q", got)
			}
			step("cd /tmp && tar cf fdb.tar fdb2")
			out, err := exec.Command("tar", "tvf", filepath.Join(rootfs, "tmp/fdb.tar")).CombinedOutput()
			if err != nil {
				t.Fatalf("tar tvf: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), " 123/456 ") || !strings.Contains(string(out), "fdb2/f") {
				t.Fatalf("tar on the host does not record 123/456:\n%s", out)
			}
			// Without the database, the next run sees the real user's file as root's.
			if r := groot(t, m, []string{"-0"}, "stat", "-c", "%u:%g", "/tmp/fdb2/f"); r.Stdout != "0:0\n" {
				t.Fatalf("without --fake-db: %v", r)
			}
			step("rm -rf /tmp/fdb2 /tmp/fdb.tar")
			if data, _ := os.ReadFile(db); strings.Count(string(data), "\n") != 1 {
				t.Fatalf("entries of deleted files stay in the database:\n%s", data)
			}
		})
	}
}

// TestFakeRootChroot: a fake-root guest's chroot into a guest directory (nested
// translation), compared with the same chroot natively as root.
func TestFakeRootChroot(t *testing.T) {
	const setup = "rm -rf /tmp/inner && mkdir -p /tmp/inner/bin /tmp/inner/etc /tmp/inner/proc && cp /bin/busybox /tmp/inner/bin/ && for a in sh ls pwd cat readlink; do ln -s busybox /tmp/inner/bin/$a; done && echo inner > /tmp/inner/etc/hostname && ln -s /etc/hostname /tmp/inner/abs-link && "
	cases := []struct{ name, cmd string }{
		{"nested", setup + "chroot /tmp/inner /bin/sh -c 'pwd; ls /; cat /etc/hostname /abs-link; cd /../..; pwd; ls; cat ../../etc/hostname'; rm -rf /tmp/inner"},
		{"relative-from-cwd", setup + "cd /tmp/inner && chroot . /bin/sh -c 'ls /bin | head -2; cat etc/hostname'; cd / && rm -rf /tmp/inner"},
		{"missing", setup + "chroot /tmp/nowhere /bin/sh -c true; echo $?; rm -rf /tmp/inner"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := nativeAs(t, 0, 0, nil, "sh", "-c", c.cmd)
			if want.Stdout == "" {
				t.Fatalf("the native run as root printed nothing: %v", want)
			}
			for _, m := range fakeModes() {
				t.Run(m.Name, func(t *testing.T) {
					same(t, groot(t, m, []string{"-0"}, "sh", "-c", c.cmd), want)
				})
			}
		})
	}
}

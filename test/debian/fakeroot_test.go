package debian

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/groot-sandbox/groot/test/fixtures"
	"github.com/groot-sandbox/groot/test/harness"
)

// Fake root on the Debian rootfs: package managers and account tools under groot -0 as the
// unprivileged test user, compared with the same scripts run natively as root.

// fakeRootfs is a private copy of the Debian rootfs for the tests that install packages
// and add users (the benchmark and the other cases keep the cached one unchanged).
func fakeRootfs(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(filepath.Join(fixtures.RepoRoot(), "test", ".cache"), "debian-fake-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	r := filepath.Join(dir, "rootfs")
	if err := fixtures.CopyTree(rootfs, r); err != nil {
		t.Fatal(err)
	}
	return r
}

// fakeModes: the tracer, with and without seccomp; -0 picks it in auto mode.
func fakeModes() []harness.Mode {
	var out []harness.Mode
	for _, m := range harness.Modes(grootBin) {
		if strings.HasPrefix(m.Name, "ptrace") || m.Name == "proot" {
			out = append(out, m)
		}
	}
	return out
}

// grootIn runs a script under groot with opts in root, as the test user.
func grootIn(t *testing.T, m harness.Mode, root string, opts []string, script string) harness.Result {
	t.Helper()
	args := append(append([]string{}, m.Args...), opts...)
	if opts[len(opts)-1] == "-S" {
		args = append(args, root) // -S ROOTFS = -0 -r ROOTFS plus its preset bindings
	} else {
		args = append(args, "-r", root)
	}
	args = append(args, "sh", "-c", script)
	return run(t, append([]string{"HOME=/nonexistent"}, m.Env...), true, grootBin, args...)
}

// nativeIn runs a script natively as root in root, then gives the tree back to the test
// user (the native run leaves root-owned files behind).
func nativeIn(t *testing.T, root, script string) harness.Result {
	t.Helper()
	r := run(t, nil, false, "chroot", root, "sh", "-c", script)
	if err := fixtures.Chown(root, uid, gid); err != nil {
		t.Fatal(err)
	}
	return r
}

func sameResult(t *testing.T, what string, got, want harness.Result) {
	t.Helper()
	if want.Code != 0 || want.Stdout == "" {
		t.Fatalf("%s: the native run failed, the case is wrong: %+v", what, want)
	}
	if got != want {
		t.Errorf("%s:\n groot  %+v\n native %+v", what, got, want)
	}
}

// pkgScript builds a package whose file belongs to 123:456 (chowned inside groot -0
// itself), installs it with dpkg and shows what dpkg and stat report.
const pkgScript = `set -e
rm -rf /opt/pkg /opt/groot-demo.deb && mkdir -p /opt/pkg/DEBIAN /opt/pkg/usr/share/groot-demo
echo data > /opt/pkg/usr/share/groot-demo/file
chown 123:456 /opt/pkg/usr/share/groot-demo/file
chmod 0640 /opt/pkg/usr/share/groot-demo/file
printf 'Package: groot-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: groot <groot@example.org>\nDescription: groot fake-root test package\n' > /opt/pkg/DEBIAN/control
dpkg-deb --build /opt/pkg /opt/groot-demo.deb >/dev/null
dpkg-deb -c /opt/groot-demo.deb | awk '{print $1, $2, $6}'
`

func TestFakeRootPackages(t *testing.T) {
	root := fakeRootfs(t)
	debs, err := fixtures.DownloadDebs(filepath.Join(fixtures.RepoRoot(), "test", ".cache", "debs"), "sudo")
	if err != nil {
		t.Fatal(err)
	}
	dpkgInstall := pkgScript + `dpkg -i /opt/groot-demo.deb >/dev/null
dpkg -L groot-demo
dpkg -s groot-demo | grep -E '^(Status|Version):'
stat -c '%u:%g %a %n' /usr/share/groot-demo/file
`
	// A flat repository made by hand (Packages from dpkg-deb -f, as dpkg-scanpackages
	// would write it) and apt-get install from it, offline: only that source is read.
	aptInstall := pkgScript + `cd /opt && rm -rf repo && mkdir repo && mv groot-demo.deb repo/ && cd repo
{ dpkg-deb -f groot-demo.deb; echo "Filename: ./groot-demo.deb"; echo "Size: $(stat -c %s groot-demo.deb)"; echo "SHA256: $(sha256sum groot-demo.deb | cut -d' ' -f1)"; echo; } > Packages
echo 'deb [trusted=yes] file:/opt/repo ./' > /opt/local.list
apt="-o Dir::Etc::SourceList=/opt/local.list -o Dir::Etc::SourceParts=/nonexistent -o Acquire::Languages=none -q"
apt-get $apt update >/dev/null 2>&1
apt-get $apt -y install groot-demo >/dev/null 2>&1
dpkg -s groot-demo | grep -E '^Status:'
stat -c '%u:%g %a %n' /usr/share/groot-demo/file
`
	purge := "dpkg --purge groot-demo >/dev/null 2>&1; "
	cases := []struct {
		name   string
		opts   []string
		script string
	}{
		{"id", []string{"-0"}, "id"},
		{"chown-stat", []string{"-0"}, "rm -f /opt/f && touch /opt/f && chown 123:456 /opt/f && stat -c %u:%g /opt/f && rm /opt/f"},
		{"dpkg-i", []string{"-0"}, purge + dpkgInstall},
		{"apt-get-install-S", []string{"-S"}, purge + aptInstall},
		// GNU tar sets an extracted directory's mode through /proc/self/fd/N and falls
		// back to its path where that is missing (no /proc here): the chmod must fail.
		{"tar-x-modes", []string{"-0"}, "d=$(mktemp -d) && cd $d && umask 022 && mkdir -p a/b && chmod 750 a a/b && touch a/b/f && tar cf t.tar a && rm -rf a && tar xf t.tar && stat -c '%n %a %u:%g' a a/b a/b/f; cd / && rm -rf $d"},
		// A guest user whose uid is the real user's: userdel looks in /proc (bound by -S)
		// for its processes, which must not be every process of the real user's.
		{"userdel-real-uid", []string{"-S"}, fmt.Sprintf("useradd -u %d bob && userdel bob && echo deleted", uid)},
		{"useradd-su", []string{"-0"}, "useradd -m alice && su alice -c id && stat -c '%U:%G %a' /home/alice && su alice -c 'touch ~/made && stat -c %U:%G ~/made' && userdel -r alice 2>/dev/null && ls /home"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []harness.Result
			for _, m := range fakeModes() {
				got = append(got, grootIn(t, m, root, c.opts, c.script))
			}
			want := nativeIn(t, root, c.script)
			for i, m := range fakeModes() {
				sameResult(t, m.Name, got[i], want)
			}
		})
	}

	// -i: native runs as that user.
	t.Run("change-id", func(t *testing.T) {
		want := run(t, nil, false, "chroot", "--userspec=123:456", root, "id")
		for _, m := range fakeModes() {
			sameResult(t, m.Name, grootIn(t, m, root, []string{"-i", "123:456"}, "id"), want)
		}
	})

	// sudo installed with dpkg under groot -0 (itself a test), then sudo -u nobody. The
	// native side is `id -u nobody`: real sudo would refuse a sudoers file that belongs to
	// the test user.
	t.Run("sudo", func(t *testing.T) {
		want := run(t, nil, false, "chroot", root, "id", "-u", "nobody")
		for _, m := range fakeModes() {
			inst := grootIn(t, m, root, []string{"-0", "-b", debs[0] + ":/opt/sudo.deb"}, "dpkg -i /opt/sudo.deb >/dev/null 2>&1; echo $?")
			if inst.Stdout != "0\n" {
				t.Fatalf("%s: dpkg -i sudo: %+v", m.Name, inst)
			}
			sameResult(t, m.Name, grootIn(t, m, root, []string{"-0"}, "sudo -u nobody id -u 2>/dev/null"), want)
		}
	})

	// -k: coreutils' uname reads the release through uname(2).
	t.Run("kernel-release", func(t *testing.T) {
		for _, m := range fakeModes() {
			args := append(append([]string{}, m.Args...), "-k", "4.99.0", "-r", root, "uname", "-r")
			if r := run(t, m.Env, true, grootBin, args...); r.Stdout != "4.99.0\n" {
				t.Errorf("%s: uname -r under -k 4.99.0: %+v", m.Name, r)
			}
		}
	})

	// --fake-db: the owner set in one run is seen by the next, and recorded by tar.
	t.Run("fake-db", func(t *testing.T) {
		db := filepath.Join(filepath.Dir(root), "owners.db")
		os.Chmod(filepath.Dir(root), 0o777)
		for _, m := range fakeModes() {
			opts := []string{"-0", "--fake-db", db}
			if r := grootIn(t, m, root, opts, "rm -f /opt/g && touch /opt/g && chown 123:456 /opt/g"); r.Code != 0 {
				t.Fatalf("%s: %+v", m.Name, r)
			}
			if r := grootIn(t, m, root, opts, "stat -c %u:%g /opt/g"); r.Stdout != "123:456\n" {
				t.Fatalf("%s: second run: %+v", m.Name, r)
			}
			if r := grootIn(t, m, root, opts, "cd /opt && tar cf g.tar g"); r.Code != 0 {
				t.Fatalf("%s: tar: %+v", m.Name, r)
			}
			out, err := exec.Command("tar", "tvf", filepath.Join(root, "opt/g.tar")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), " 123/456 ") {
				t.Fatalf("%s: tar tvf on the host: %v\n%s", m.Name, err, out)
			}
		}
	})
}

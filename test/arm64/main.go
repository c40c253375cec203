// Command arm64 runs groot's integration suite on a real arm64 kernel: `make test-arm64`.
//
// On the x86_64 host it cross-builds groot, the integration test binary and the busybox
// fixture (test programs built with gcc-aarch64-linux-gnu, busybox from busybox-static:arm64),
// packs them with a busybox userland into an initramfs, and boots Debian's arm64 kernel
// under qemu-system-aarch64 (TCG: no KVM needed). The VM's init runs the test binary as
// root, which runs groot as the unprivileged user groot-test and the native side with
// chroot, exactly as on the host; the results come back over the serial console. The
// packages come from Debian's archive with `apt-get download` (the arm64 architecture must
// be enabled: `dpkg --add-architecture arm64 && apt-get update`, which .ci/run does), and
// are cached in test/.cache/arm64.
//
// Exit status: 0 when every case passed, 1 when a case failed, the VM did not finish in
// time or could not be built.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/groot-sandbox/groot/test/fixtures"
)

// The result line the VM's init prints; the host looks for it on the console.
const resultTag = "GROOT-ARM64-RESULT"

func main() {
	run := flag.String("run", "", "only the tests matching this regexp (go test -run)")
	timeout := flag.Duration("timeout", 25*time.Minute, "how long the VM may run")
	smp := flag.Int("smp", 2, "virtual CPUs")
	flag.Parse()
	start := time.Now()
	if err := test(*run, *timeout, *smp); err != nil {
		fmt.Fprintf(os.Stderr, "test-arm64: FAIL after %s: %v\n", time.Since(start).Round(time.Second), err)
		os.Exit(1)
	}
	fmt.Printf("test-arm64: ok after %s\n", time.Since(start).Round(time.Second))
}

func test(runRe string, timeout time.Duration, smp int) error {
	cache := filepath.Join(fixtures.RepoRoot(), "test", ".cache", "arm64")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	kernel, busybox, err := downloads(cache)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "groot-arm64-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	root := filepath.Join(work, "initramfs")
	if err := initramfs(root, cache, busybox, runRe); err != nil {
		return err
	}
	cpio := filepath.Join(work, "initrd.cpio")
	if err := packCpio(root, cpio); err != nil {
		return err
	}
	return boot(kernel, cpio, timeout, smp)
}

// downloads fetches (once) Debian's arm64 kernel and busybox-static packages and returns
// the kernel image and the busybox binary.
func downloads(cache string) (kernel, busybox string, err error) {
	kernels, _ := filepath.Glob(filepath.Join(cache, "kernel", "boot", "vmlinuz-*"))
	if len(kernels) == 0 {
		// linux-image-arm64 is a metapackage: its dependency is the versioned image.
		out, err := exec.Command("apt-cache", "depends", "linux-image-arm64:arm64").CombinedOutput()
		if err != nil {
			return "", "", fmt.Errorf("apt-cache depends linux-image-arm64:arm64 (enable the architecture: dpkg --add-architecture arm64 && apt-get update): %v\n%s", err, out)
		}
		m := regexp.MustCompile(`Depends: (linux-image-[0-9][^\s:]*-arm64)`).FindSubmatch(out)
		if m == nil {
			return "", "", fmt.Errorf("no versioned kernel image in:\n%s", out)
		}
		if err := unpackDeb(cache, string(m[1])+":arm64", filepath.Join(cache, "kernel")); err != nil {
			return "", "", err
		}
		kernels, _ = filepath.Glob(filepath.Join(cache, "kernel", "boot", "vmlinuz-*"))
		if len(kernels) == 0 {
			return "", "", fmt.Errorf("%s has no boot/vmlinuz-*", m[1])
		}
	}
	busybox = filepath.Join(cache, "busybox", "bin", "busybox")
	if _, err := os.Stat(busybox); err != nil {
		if err := unpackDeb(cache, "busybox-static:arm64", filepath.Join(cache, "busybox")); err != nil {
			return "", "", err
		}
	}
	return kernels[0], busybox, nil
}

// unpackDeb downloads a package into dir and unpacks its files into to.
func unpackDeb(dir, pkg, to string) error {
	name := strings.TrimSuffix(pkg, ":arm64")
	debs, _ := filepath.Glob(filepath.Join(dir, name+"_*.deb"))
	if len(debs) == 0 {
		cmd := exec.Command("apt-get", "download", pkg)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get download %s: %v\n%s", pkg, err, out)
		}
		debs, _ = filepath.Glob(filepath.Join(dir, name+"_*.deb"))
		if len(debs) == 0 {
			return fmt.Errorf("apt-get download %s left no .deb", pkg)
		}
	}
	if out, err := exec.Command("dpkg-deb", "-x", debs[0], to).CombinedOutput(); err != nil {
		return fmt.Errorf("dpkg-deb -x %s: %v\n%s", debs[0], err, out)
	}
	return nil
}

// initramfs lays out the VM's root: a busybox userland, the users, groot, the test
// binary, the prebuilt fixture and the init script.
func initramfs(root, cache, busybox, runRe string) error {
	for _, d := range []string{"bin", "proc", "sys", "dev", "tmp", "etc", "root"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile(busybox, filepath.Join(root, "bin", "busybox"), 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\ngroot-test:x:1001:1001::/tmp:/bin/sh\n",
		"etc/group":  "root:x:0:\ngroot-test:x:1001:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	repo := fixtures.RepoRoot()
	goEnv := append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	for _, b := range [][]string{
		{"go", "build", "-trimpath", "-o", filepath.Join(root, "groot"), "./cmd/groot"},
		{"go", "test", "-c", "-o", filepath.Join(root, "integration.test"), "./test/integration"},
	} {
		cmd := exec.Command(b[0], b[1:]...)
		cmd.Dir, cmd.Env = repo, goEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %v\n%s", strings.Join(b, " "), err, out)
		}
	}
	// The fixture, built once and cached, then copied in.
	fixture := filepath.Join(cache, "rootfs")
	if err := fixtures.BusyboxFor(fixture, fixtures.CrossArm64(busybox)); err != nil {
		return fmt.Errorf("arm64 busybox fixture: %w", err)
	}
	if out, err := exec.Command("cp", "-a", fixture, filepath.Join(root, "rootfs")).CombinedOutput(); err != nil {
		return fmt.Errorf("cp -a %s: %v\n%s", fixture, err, out)
	}
	args := "-test.v -test.timeout 20m"
	if runRe != "" {
		args += " -test.run '" + strings.ReplaceAll(runRe, "'", "") + "'"
	}
	// The test binary runs as root (it makes the native runs with chroot) and runs groot as
	// groot-test. The kernel's own console is the serial port; output goes there.
	initScript := `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o mode=1777 tmp /tmp
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up 2>/dev/null
echo "groot-arm64: $(uname -m) $(uname -r), $(nproc) CPUs"
cd /tmp
GROOT_TEST_VM=1 GROOT_BIN=/groot GROOT_TEST_ROOTFS=/rootfs /integration.test ` + args + ` 2>&1
echo "` + resultTag + ` $?"
poweroff -f
`
	return os.WriteFile(filepath.Join(root, "init"), []byte(initScript), 0o755)
}

// packCpio writes root as an uncompressed newc archive (the kernel unpacks it as /).
func packCpio(root, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command("sh", "-c", "find . | LC_ALL=C sort | cpio -o -H newc --quiet")
	cmd.Dir = root
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cpio (install Debian's cpio): %v\n%s", err, stderr.String())
	}
	return nil
}

// boot runs the VM, echoes its console, and reads the result line.
func boot(kernel, initrd string, timeout time.Duration, smp int) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// -nic none: without it qemu looks for the efi-virtio ROM, which Debian ships in
	// another package; pauth-impdef=on makes TCG's pointer authentication cheap
	// (../shared/kernel-facts.md).
	cmd := exec.CommandContext(ctx, "qemu-system-aarch64", "-M", "virt", "-cpu", "max,pauth-impdef=on",
		"-smp", fmt.Sprint(smp), "-m", "2048", "-display", "none", "-monitor", "none", "-serial", "stdio",
		"-nic", "none", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
		"-append", "console=ttyAMA0 quiet panic=-1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("qemu-system-aarch64 (install Debian's qemu-system-arm): %w", err)
	}
	status := -1
	var passed, failed, skipped int
	var failures []string
	sc := bufio.NewScanner(io.TeeReader(out, os.Stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, resultTag+" "):
			fmt.Sscan(strings.TrimPrefix(line, resultTag+" "), &status)
		case strings.HasPrefix(trimmed, "--- PASS"):
			passed++
		case strings.HasPrefix(trimmed, "--- SKIP"):
			skipped++
		case strings.HasPrefix(trimmed, "--- FAIL"):
			failed++
			failures = append(failures, strings.TrimPrefix(trimmed, "--- FAIL: "))
		}
	}
	waitErr := cmd.Wait()
	fmt.Printf("test-arm64: %d passed, %d failed, %d skipped (subtests included)\n", passed, failed, skipped)
	for _, f := range failures {
		fmt.Printf("test-arm64: FAIL %s\n", f)
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("the VM did not finish within %s", timeout)
	case status < 0:
		return fmt.Errorf("the VM ended without a result line (%v)", waitErr)
	case status != 0 || failed > 0:
		return fmt.Errorf("the integration suite failed in the VM (exit %d, %d failed)", status, failed)
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, data, mode)
}

package integration

import (
	"strings"
	"testing"
)

// TestNamespaceFallback runs groot inside a user namespace whose max_user_namespaces was
// set to 0, where no nested user namespace can be created: --mode userns must fail with
// one clear line, and auto mode must succeed through ptrace.
func TestNamespaceFallback(t *testing.T) {
	if isProot {
		t.Skip("groot's engines")
	}
	script := "echo 0 > /proc/sys/user/max_user_namespaces || exit 99\n" +
		shq(grootBin) + " --mode userns -r " + shq(rootfs) + " /bin/true; echo userns=$?\n" +
		shq(grootBin) + " -v 1 -r " + shq(rootfs) + " cat /etc/hostname; echo auto=$?\n"
	got := run(t, work, nil, true, "unshare", "-r", "sh", "-c", script) // -r: util-linux's and busybox's
	if got.Code == 99 {
		t.Fatalf("could not lower max_user_namespaces: %v", got)
	}
	if got.Stdout != "userns=1\nfixture\nauto=0\n" {
		t.Errorf("stdout %q, want the userns run to fail and the auto run to print the rootfs's hostname", got.Stdout)
	}
	lines := strings.Split(strings.TrimSpace(got.Stderr), "\n")
	if len(lines) < 1 || !strings.HasPrefix(lines[0], "groot: --mode userns: user namespaces unavailable:") || !strings.Contains(lines[0], "max_user_namespaces") {
		t.Errorf("--mode userns error is not one clear line: %q", got.Stderr)
	}
	if !strings.Contains(got.Stderr, "groot: mode ptrace (user namespaces unavailable") {
		t.Errorf("-v 1 does not say that auto mode fell back to ptrace: %q", got.Stderr)
	}
}

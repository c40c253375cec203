package creds

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// op is one identity-changing call, run both on the emulation and on the real kernel.
type op struct {
	name string
	a    [3]uint32
}

func (o op) String() string {
	return fmt.Sprintf("%s(%d,%d,%d)", o.name, int32(o.a[0]), int32(o.a[1]), int32(o.a[2]))
}

const k = Keep

// sequences start from the state of their first op (a privileged setres*id) and then
// exercise the rules; each is checked against the kernel step by step.
var sequences = [][]op{
	{{"setresuid", [3]uint32{0, 0, 0}}, {"setuid", [3]uint32{1000}}, {"setuid", [3]uint32{0}}},
	{{"setresuid", [3]uint32{0, 0, 0}}, {"setreuid", [3]uint32{k, 1000}}, {"setuid", [3]uint32{0}}, {"setreuid", [3]uint32{1000, 1000}}, {"setuid", [3]uint32{0}}},
	{{"setresuid", [3]uint32{1000, 1001, 0}}, {"setuid", [3]uint32{1002}}, {"setuid", [3]uint32{1000}}, {"setreuid", [3]uint32{1001, k}}, {"setresuid", [3]uint32{k, 0, k}}},
	{{"setresuid", [3]uint32{1000, 1001, 1002}}, {"setreuid", [3]uint32{1001, 1002}}, {"setresuid", [3]uint32{1003, k, k}}, {"setfsuid", [3]uint32{1000}}, {"setfsuid", [3]uint32{1005}}},
	{{"setresuid", [3]uint32{0, 0, 0}}, {"setfsuid", [3]uint32{1005}}, {"setresuid", [3]uint32{1000, 1000, 0}}, {"setfsuid", [3]uint32{7}}, {"setreuid", [3]uint32{k, 0}}},
	{{"setresgid", [3]uint32{0, 0, 0}}, {"setgid", [3]uint32{50}}, {"setregid", [3]uint32{60, 70}}, {"setresuid", [3]uint32{1000, 1000, 1000}}, {"setgid", [3]uint32{50}}, {"setgid", [3]uint32{60}}, {"setregid", [3]uint32{k, 60}}, {"setresgid", [3]uint32{70, k, 60}}, {"setfsgid", [3]uint32{9}}, {"setgroups", [3]uint32{1}}},
	{{"setresgid", [3]uint32{10, 20, 30}}, {"setgroups", [3]uint32{3}}, {"setresuid", [3]uint32{5, 5, 5}}, {"setregid", [3]uint32{30, k}}, {"setregid", [3]uint32{k, 10}}, {"setgroups", [3]uint32{0}}},
}

func (s *Set) apply(o op) (int64, error) {
	switch o.name {
	case "setuid":
		return 0, s.SetUID(o.a[0])
	case "setgid":
		return 0, s.SetGID(o.a[0])
	case "setreuid":
		return 0, s.SetREUID(o.a[0], o.a[1])
	case "setregid":
		return 0, s.SetREGID(o.a[0], o.a[1])
	case "setresuid":
		return 0, s.SetRESUID(o.a[0], o.a[1], o.a[2])
	case "setresgid":
		return 0, s.SetRESGID(o.a[0], o.a[1], o.a[2])
	case "setfsuid":
		return int64(s.SetFSUID(o.a[0])), nil
	case "setfsgid":
		return int64(s.SetFSGID(o.a[0])), nil
	case "setgroups":
		g := make([]uint32, o.a[0])
		for i := range g {
			g[i] = uint32(100 + i)
		}
		return 0, s.SetGroups(g)
	}
	panic(o.name)
}

func (s *Set) state() string {
	return fmt.Sprintf("uid %d/%d/%d fs %d gid %d/%d/%d fs %d groups %d", s.RUID, s.EUID, s.SUID, s.FSUID, s.RGID, s.EGID, s.SGID, s.FSGID, len(s.Groups))
}

// TestRulesMatchKernel runs each sequence in a child process on the real kernel (the test
// runs as root, so every starting state can be reached) and compares every step's result
// and the identities after it with the emulation's.
func TestRulesMatchKernel(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("the kernel side needs root to reach arbitrary starting identities")
	}
	for i, seq := range sequences {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKernelChild$")
		cmd.Env = append(os.Environ(), "CREDS_CHILD="+strconv.Itoa(i))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sequence %d: child: %v\n%s", i, err, out)
		}
		var kernel []string
		for _, l := range strings.Split(string(out), "\n") {
			if s, ok := strings.CutPrefix(l, "STEP "); ok {
				kernel = append(kernel, s)
			}
		}
		s := New(0, 0)
		for j, o := range seq {
			got := step(s, o)
			if j >= len(kernel) {
				t.Fatalf("sequence %d: kernel output ended at step %d\n%s", i, j, out)
			}
			if got != kernel[j] {
				t.Errorf("sequence %d step %d %v:\n emulated %s\n   kernel %s", i, j, o, got, kernel[j])
			}
		}
	}
}

func step(s *Set, o op) string {
	ret, err := s.apply(o)
	e := 0
	if err != nil {
		ret, e = -1, int(err.(unix.Errno))
	}
	return fmt.Sprintf("%v = %d errno %d: %s", o, ret, e, s.state())
}

// TestKernelChild is the child side of TestRulesMatchKernel: it makes the real calls.
func TestKernelChild(t *testing.T) {
	v := os.Getenv("CREDS_CHILD")
	if v == "" {
		return
	}
	i, _ := strconv.Atoi(v)
	// The emulation starts as root with no supplementary groups.
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
		t.Fatalf("setgroups(0): %v", e)
	}
	for _, o := range sequences[i] {
		var ret uintptr
		var e syscall.Errno
		nr := map[string]uintptr{"setuid": unix.SYS_SETUID, "setgid": unix.SYS_SETGID, "setreuid": unix.SYS_SETREUID,
			"setregid": unix.SYS_SETREGID, "setresuid": unix.SYS_SETRESUID, "setresgid": unix.SYS_SETRESGID,
			"setfsuid": unix.SYS_SETFSUID, "setfsgid": unix.SYS_SETFSGID}[o.name]
		if o.name == "setgroups" {
			g := make([]uint32, o.a[0]+1)
			for i := range g {
				g[i] = uint32(100 + i)
			}
			ret, _, e = syscall.AllThreadsSyscall(unix.SYS_SETGROUPS, uintptr(o.a[0]), uintptr(unsafeSlice(g)), 0)
		} else {
			ret, _, e = syscall.AllThreadsSyscall(nr, uintptr(o.a[0]), uintptr(o.a[1]), uintptr(o.a[2]))
		}
		if e == syscall.ENOTSUP {
			t.Fatal("AllThreadsSyscall unavailable (cgo?)")
		}
		fmt.Printf("STEP %v = %d errno %d: %s\n", o, int64(ret), int(e), kernelState())
	}
}

func kernelState() string {
	r, e, s := unix.Getresuid()
	rg, eg, sg := unix.Getresgid()
	fs, _, _ := unix.Syscall(unix.SYS_SETFSUID, uintptr(Keep), 0, 0)
	fsg, _, _ := unix.Syscall(unix.SYS_SETFSGID, uintptr(Keep), 0, 0)
	n, _ := unix.Getgroups()
	return fmt.Sprintf("uid %d/%d/%d fs %d gid %d/%d/%d fs %d groups %d", r, e, s, fs, rg, eg, sg, fsg, len(n))
}

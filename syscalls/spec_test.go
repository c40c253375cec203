package syscalls

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// spec is what a syscall's row must be, written from its kernel prototype
// (SYSCALL_DEFINEn in fs/*.c, net/socket.c, kernel/sys.c) and man page, independently of
// the table's shorthands. proto lists the arguments in order:
//
//	dfd            the dirfd of the path argument that follows it
//	path, lpath    a path whose last component is followed / never followed
//	at:RULE[|empty] AT_* flags: RULE "nofollow" (AT_SYMLINK_NOFOLLOW) or "follow"
//	               (AT_SYMLINK_FOLLOW); "|empty": AT_EMPTY_PATH names the dirfd itself
//	in:nofollow, fan:nofollow  inotify's IN_DONT_FOLLOW, fanotify's FAN_MARK_DONT_FOLLOW
//	oflags, how    open flags (O_NOFOLLOW, O_CREAT|O_EXCL), openat2's struct open_how
//	anything else  an argument the table ignores
//
// A flags argument governs every "path" of the prototype (never an "lpath").
type spec struct {
	kind  Kind
	proto string
	// legacy: x86_64's pre-*at syscalls, absent from arm64's asm-generic table.
	legacy bool
}

var specs = map[string]spec{
	"openat":            {Plain, "dfd, path, oflags, mode", false},
	"openat2":           {Plain, "dfd, path, how, size", false},
	"newfstatat":        {Plain, "dfd, path, statbuf, at:nofollow|empty", false},
	"statx":             {Plain, "dfd, path, at:nofollow|empty, mask, buf", false},
	"statfs":            {Plain, "path, buf", false},
	"faccessat":         {Plain, "dfd, path, mode", false},
	"faccessat2":        {Plain, "dfd, path, mode, at:nofollow|empty", false},
	"readlinkat":        {Readlink, "dfd, lpath, buf, bufsiz", false},
	"execve":            {Execve, "path, argv, envp", false},
	"execveat":          {Execve, "dfd, path, argv, envp, at:nofollow|empty", false},
	"chdir":             {Chdir, "path", false},
	"fchdir":            {Fchdir, "fd", false},
	"getcwd":            {Getcwd, "buf, size", false},
	"chroot":            {Chroot, "path", false},
	"mkdirat":           {Plain, "dfd, lpath, mode", false},
	"mknodat":           {Plain, "dfd, lpath, mode, dev", false},
	"unlinkat":          {Plain, "dfd, lpath, removedir", false},
	"renameat":          {Plain, "dfd, lpath, dfd, lpath", false},
	"renameat2":         {Plain, "dfd, lpath, dfd, lpath, renameflags", false},
	"linkat":            {Plain, "dfd, path, dfd, lpath, at:follow|empty", false},
	"symlinkat":         {Symlink, "target, dfd, lpath", false},
	"fchmodat":          {Plain, "dfd, path, mode", false},
	"fchmodat2":         {Plain, "dfd, path, mode, at:nofollow|empty", false},
	"fchownat":          {Plain, "dfd, path, uid, gid, at:nofollow|empty", false},
	"truncate":          {Plain, "path, length", false},
	"utimensat":         {Plain, "dfd, path, times, at:nofollow|empty", false},
	"setxattr":          {Plain, "path, name, value, size, xflags", false},
	"lsetxattr":         {Plain, "lpath, name, value, size, xflags", false},
	"getxattr":          {Plain, "path, name, value, size", false},
	"lgetxattr":         {Plain, "lpath, name, value, size", false},
	"listxattr":         {Plain, "path, list, size", false},
	"llistxattr":        {Plain, "lpath, list, size", false},
	"removexattr":       {Plain, "path, name", false},
	"lremovexattr":      {Plain, "lpath, name", false},
	"setxattrat":        {Plain, "dfd, path, at:nofollow|empty, name, args, size", false},
	"getxattrat":        {Plain, "dfd, path, at:nofollow|empty, name, args, size", false},
	"listxattrat":       {Plain, "dfd, path, at:nofollow|empty, list, size", false},
	"removexattrat":     {Plain, "dfd, path, at:nofollow|empty, name", false},
	"inotify_add_watch": {Plain, "fd, path, in:nofollow", false},
	"fanotify_mark":     {Plain, "fd, fan:nofollow, mask, dfd, path", false},
	"name_to_handle_at": {Plain, "dfd, path, handle, mnt_id, at:follow|empty", false},
	"open_tree":         {Plain, "dfd, path, at:nofollow|empty", false},
	"open_tree_attr":    {Plain, "dfd, path, at:nofollow|empty, attr, size", false},
	"file_getattr":      {Plain, "dfd, path, fattr, size, at:nofollow|empty", false},
	"file_setattr":      {Plain, "dfd, path, fattr, size, at:nofollow|empty", false},
	"acct":              {Plain, "path", false},
	"swapon":            {Plain, "path, swapflags", false},
	"swapoff":           {Plain, "path", false},
	"quotactl":          {Plain, "cmd, path, id, addr", false},
	"mount":             {Mount, "", false},
	"umount2":           {Mount, "", false},
	"pivot_root":        {Mount, "", false},
	"move_mount":        {Mount, "", false},
	"fsopen":            {Mount, "", false},
	"fsconfig":          {Mount, "", false},
	"fsmount":           {Mount, "", false},
	"fspick":            {Mount, "", false},
	"mount_setattr":     {Mount, "", false},
	"bind":              {SocketAddr, "", false},
	"connect":           {SocketAddr, "", false},
	"sendto":            {SendtoAddr, "", false},
	"sendmsg":           {SendmsgAddr, "", false},
	"getsockname":       {SockNameOut, "", false},
	"getpeername":       {SockNameOut, "", false},
	"accept":            {SockNameOut, "", false},
	"accept4":           {SockNameOut, "", false},
	"recvfrom":          {SockNameOut, "", false},
	"recvmsg":           {RecvmsgOut, "", false},
	"uname":             {Uname, "", false},
	"sethostname":       {Sethostname, "", false},
	"setdomainname":     {Sethostname, "", false},
	"sched_getaffinity": {GetAffinity, "", false},
	"sched_setaffinity": {SetAffinity, "", false},
	"unshare":           {Unshare, "", false},
	"lookup_dcookie":    {Unsupported, "", false},
	"io_uring_setup":    {Unsupported, "", false},

	"open":      {Plain, "path, oflags, mode", true},
	"creat":     {Plain, "path, mode", true},
	"stat":      {Plain, "path, buf", true},
	"lstat":     {Plain, "lpath, buf", true},
	"access":    {Plain, "path, mode", true},
	"readlink":  {Readlink, "lpath, buf, bufsiz", true},
	"mkdir":     {Plain, "lpath, mode", true},
	"mknod":     {Plain, "lpath, mode, dev", true},
	"rmdir":     {Plain, "lpath", true},
	"unlink":    {Plain, "lpath", true},
	"rename":    {Plain, "lpath, lpath", true},
	"link":      {Plain, "lpath, lpath", true}, // link(2) never follows oldpath on Linux
	"symlink":   {Symlink, "target, lpath", true},
	"chmod":     {Plain, "path, mode", true},
	"chown":     {Plain, "path, uid, gid", true},
	"lchown":    {Plain, "lpath, uid, gid", true},
	"utime":     {Plain, "path, times", true},
	"utimes":    {Plain, "path, times", true},
	"futimesat": {Plain, "dfd, path, times", true},
	"uselib":    {Plain, "path", true},

	// Traced only under fake root (-0, -i): no paths.
	"fstat":     {Plain, "fd, statbuf", false},
	"fchown":    {Plain, "fd, uid, gid", false},
	"fchmod":    {Plain, "fd, mode", false},
	"getuid":    {Plain, "", false},
	"geteuid":   {Plain, "", false},
	"getgid":    {Plain, "", false},
	"getegid":   {Plain, "", false},
	"getresuid": {Plain, "ruid, euid, suid", false},
	"getresgid": {Plain, "rgid, egid, sgid", false},
	"getgroups": {Plain, "size, list", false},
	"setuid":    {Plain, "uid", false},
	"setgid":    {Plain, "gid", false},
	"setreuid":  {Plain, "ruid, euid", false},
	"setregid":  {Plain, "rgid, egid", false},
	"setresuid": {Plain, "ruid, euid, suid", false},
	"setresgid": {Plain, "rgid, egid, sgid", false},
	"setfsuid":  {Plain, "uid", false},
	"setfsgid":  {Plain, "gid", false},
	"setgroups": {Plain, "size, list", false},
	"prctl":     {Prctl, "option, arg2, arg3, arg4, arg5", false},
	"capset":    {Plain, "header, data", false},
	"fsetxattr": {Plain, "fd, name, value, size, flags", false},
}

// fakeSpecs is fake root's operation on each syscall and the prototype argument (in
// specs) it reads first; "" for none (FakeArg -1) or, for FakeID and FakePrctl, the first.
var fakeSpecs = map[string]struct {
	op  Fake
	arg string
}{
	"newfstatat": {FakeStat, "statbuf"}, "stat": {FakeStat, "buf"}, "lstat": {FakeStat, "buf"}, "fstat": {FakeStat, "statbuf"},
	"statx":    {FakeStatx, "buf"},
	"fchownat": {FakeChown, "uid"}, "chown": {FakeChown, "uid"}, "lchown": {FakeChown, "uid"}, "fchown": {FakeChown, "uid"},
	"fchmodat": {FakeChmod, "mode"}, "fchmodat2": {FakeChmod, "mode"}, "chmod": {FakeChmod, "mode"}, "fchmod": {FakeChmod, "mode"},
	"openat": {FakeCreate, "mode"}, "open": {FakeCreate, "mode"}, "creat": {FakeCreate, "mode"},
	"mkdirat": {FakeCreate, "mode"}, "mkdir": {FakeCreate, "mode"}, "symlinkat": {FakeCreate, ""}, "symlink": {FakeCreate, ""},
	"mknodat": {FakeMknod, "mode"}, "mknod": {FakeMknod, "mode"},
	"faccessat": {FakeAccess, "mode"}, "faccessat2": {FakeAccess, "mode"}, "access": {FakeAccess, "mode"},
	"unlinkat": {FakeUnlink, "removedir"}, "unlink": {FakeUnlink, ""}, "rmdir": {FakeUnlink, ""},
	"renameat": {FakeRename, ""}, "renameat2": {FakeRename, "renameflags"}, "rename": {FakeRename, ""},
	"getuid": {FakeID, ""}, "geteuid": {FakeID, ""}, "getgid": {FakeID, ""}, "getegid": {FakeID, ""},
	"getresuid": {FakeID, ""}, "getresgid": {FakeID, ""}, "getgroups": {FakeID, ""}, "setuid": {FakeID, ""},
	"setgid": {FakeID, ""}, "setreuid": {FakeID, ""}, "setregid": {FakeID, ""}, "setresuid": {FakeID, ""},
	"setresgid": {FakeID, ""}, "setfsuid": {FakeID, ""}, "setfsgid": {FakeID, ""}, "setgroups": {FakeID, ""},
	"prctl":  {FakePrctl, ""},
	"capset": {FakePrivileged, ""}, "fsetxattr": {FakePrivileged, ""}, "setxattr": {FakePrivileged, ""},
	"lsetxattr": {FakePrivileged, ""}, "setxattrat": {FakePrivileged, ""},
}

// TestFakeRowsMatchPrototypes checks each row's fake-root operation and argument against
// fakeSpecs and the prototype, and that no other row has one.
func TestFakeRowsMatchPrototypes(t *testing.T) {
	for _, nr := range Numbers() {
		e := Lookup(nr)
		fs, ok := fakeSpecs[e.Name]
		if !ok {
			if e.Fake != FakeNone {
				t.Errorf("%s: fake-root operation %d but none in fakeSpecs", e.Name, e.Fake)
			}
			continue
		}
		want := -1
		if fs.op == FakeID || fs.op == FakePrctl {
			want = 0
		}
		if fs.arg != "" {
			for i, a := range strings.Split(specs[e.Name].proto, ", ") {
				if a == fs.arg {
					want = i
				}
			}
		}
		if e.Fake != fs.op || e.FakeArg != want {
			t.Errorf("%s: fake %d arg %d, want %d arg %d (%q in %q)", e.Name, e.Fake, e.FakeArg, fs.op, want, fs.arg, specs[e.Name].proto)
		}
	}
}

// noPath are syscalls whose names look path-related (see pathish) but that take no
// guest path, or that are deliberately left untranslated (syscalls.go says why).
var noPath = map[string]string{}

func init() {
	decide := func(why string, names ...string) {
		for _, n := range names {
			noPath[n] = why
		}
	}
	decide("takes an fd, not a path", "fstat", "fstatfs", "fchmod", "fchown", "ftruncate",
		"fsetxattr", "fgetxattr", "flistxattr", "fremovexattr", "fsync", "syncfs",
		"sync_file_range", "copy_file_range", "sendfile", "cachestat", "kexec_file_load",
		"quotactl_fd", "inotify_rm_watch", "io_uring_enter", "io_uring_register",
		"landlock_add_rule", "landlock_restrict_self", "setns", "pidfd_send_signal")
	decide("takes a file handle: names a file by mount fd and handle, no path",
		"open_by_handle_at")
	decide("creates an fd, no path", "inotify_init", "inotify_init1", "fanotify_init",
		"socket", "socketpair", "timerfd_create", "pidfd_open", "perf_event_open",
		"landlock_create_ruleset")
	decide("POSIX message queue names live in the mqueue filesystem, not the guest tree",
		"mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr")
	decide("returns host mount points, as /proc/self/mountinfo does (see syscalls.go)",
		"statmount", "listmount")
	decide("connected sockets only: no address translated, as in PRoot", "sendmmsg", "recvmmsg")
	decide("no path: ids, times, attributes, memory", "listns", "lsm_get_self_attr",
		"lsm_set_self_attr", "sched_getattr", "sched_setattr", "setfsuid",
		"setfsgid", "getsockopt", "setsockopt", "ustat", "sysfs", "kexec_load", "mbind",
		"remap_file_pages", "semtimedop", "rt_sigtimedwait", "time", "times", "adjtimex",
		"gettimeofday", "settimeofday", "clock_adjtime", "clock_gettime", "clock_settime",
		"getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun",
		"timer_gettime", "timer_settime", "timerfd_gettime", "timerfd_settime")
	decide("not implemented by Linux (ENOSYS)", "afs_syscall", "nfsservctl")
}

// pathish flags names that need a decision: a path row, or an entry in noPath. A new
// syscall in a later golang.org/x/sys whose name says "file", "stat", "xattr" ... makes
// TestEveryPathishSyscallDecided fail until someone reads its prototype.
var pathish = regexp.MustCompile(`stat|open|link|mount|dir|path|chown|chmod|time|access|exec|mknod|xattr|notify|file|rename|truncate|chroot|swap|acct|quota|uselib|sock|connect|bind|accept|recv|send|cwd|name|handle|tree|fs|attr|mq_|root|ns$|uring|cookie|landlock`)

// expectPaths derives the PathArgs a prototype describes.
func expectPaths(t *testing.T, name, proto string) []PathArg {
	if proto == "" {
		return nil
	}
	args := strings.Split(proto, ", ")
	flagsAt, follow, emptyOK := -1, FollowAlways, false
	for i, a := range args {
		rule, opts, hasRule := strings.Cut(a, ":")
		switch {
		case a == "oflags":
			flagsAt, follow = i, OpenFlags
		case a == "how":
			flagsAt, follow = i, Openat2How
		case hasRule:
			flagsAt = i
			ruleName, empty, _ := strings.Cut(opts, "|")
			emptyOK = empty == "empty"
			switch {
			case ruleName == "nofollow" && (rule == "at" || rule == "in" || rule == "fan"):
				follow = NoFollowIfFlag
			case ruleName == "follow" && rule == "at":
				follow = FollowIfFlag
			default:
				t.Fatalf("%s: bad flags token %q in the spec", name, a)
			}
		}
	}
	var out []PathArg
	for i, a := range args {
		if a != "path" && a != "lpath" {
			continue
		}
		p := PathArg{Path: i, Dirfd: -1, Flags: -1, Follow: FollowNever}
		if i > 0 && args[i-1] == "dfd" {
			p.Dirfd = i - 1
		}
		if a == "path" {
			p.Follow = FollowAlways
			if flagsAt >= 0 {
				p.Flags, p.Follow, p.EmptyOK = flagsAt, follow, emptyOK
			}
		}
		out = append(out, p)
	}
	return out
}

func numberOf(name string) (int, bool) {
	for nr, n := range names {
		if n == name {
			return nr, true
		}
	}
	return 0, false
}

// TestRowsMatchPrototypes compares every row with its syscall's prototype, and every
// spec'd syscall with the row it must have on this architecture.
func TestRowsMatchPrototypes(t *testing.T) {
	for name, s := range specs {
		nr, ok := numberOf(name)
		if !ok {
			if !s.legacy || runtime.GOARCH == "amd64" {
				t.Errorf("%s: no such syscall on %s", name, runtime.GOARCH)
			}
			continue
		}
		if s.legacy && runtime.GOARCH != "amd64" {
			t.Errorf("%s: marked x86_64-only but %s has it as %d", name, runtime.GOARCH, nr)
		}
		e := Lookup(nr)
		if e == nil {
			t.Errorf("%s (%d): no row", name, nr)
			continue
		}
		if e.Kind != s.kind {
			t.Errorf("%s: kind %d, want %d", name, e.Kind, s.kind)
		}
		want := expectPaths(t, name, s.proto)
		if len(want) == 0 && len(e.Paths) == 0 {
			continue
		}
		if !reflect.DeepEqual(e.Paths, want) {
			t.Errorf("%s: paths\n  got  %+v\n  want %+v  (from %q)", name, e.Paths, want, s.proto)
		}
	}
	for _, nr := range Numbers() {
		if _, ok := specs[Name(nr)]; !ok {
			t.Errorf("%s (%d) has a row but no spec in this test", Name(nr), nr)
		}
	}
}

// TestEveryPathishSyscallDecided: each syscall of this architecture whose name suggests a
// path or socket address is either spec'd (and so has a checked row) or listed in noPath.
func TestEveryPathishSyscallDecided(t *testing.T) {
	for _, n := range names {
		if !pathish.MatchString(n) {
			continue
		}
		_, s := specs[n]
		_, np := noPath[n]
		if _, f := fakeSpecs[n]; f && np && !strings.Contains(specs[n].proto, "path") {
			continue // no path, traced for fake root only
		}
		if s == np {
			t.Errorf("%s: needs exactly one decision (spec'd: %v, in noPath: %v)", n, s, np)
		}
	}
	for n := range noPath {
		if _, ok := numberOf(n); ok && !pathish.MatchString(n) {
			t.Errorf("noPath lists %s, which pathish does not match: drop it", n)
		}
	}
}

// TestNamesMatchXSys: names is exactly x/sys's zsysnum list for this GOARCH (the module
// version go.mod selects): a stale zsysnames file (gen_names.sh not rerun) fails here.
func TestNamesMatchXSys(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-m", "-f", "{{.Dir}}", "golang.org/x/sys").Output()
	if err != nil {
		t.Fatalf("go list -m golang.org/x/sys: %v", err)
	}
	file := filepath.Join(strings.TrimSpace(string(out)), "unix", "zsysnum_linux_"+runtime.GOARCH+".go")
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	defer f.Close()
	line := regexp.MustCompile(`^\s+SYS_([A-Z0-9_]+)\s+= ([0-9]+)`)
	want := map[int]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			nr, _ := strconv.Atoi(m[2])
			want[nr] = strings.ToLower(m[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	if len(want) < 250 {
		t.Fatalf("%s: only %d syscall numbers parsed", file, len(want))
	}
	if !reflect.DeepEqual(names, want) {
		for nr, n := range want {
			if names[nr] != n {
				t.Errorf("syscall %d: names has %q, x/sys %q", nr, names[nr], n)
			}
		}
		for nr, n := range names {
			if _, ok := want[nr]; !ok {
				t.Errorf("syscall %d: names has %q, unknown to x/sys", nr, n)
			}
		}
	}
	if Name(100000) != "syscall_100000" {
		t.Errorf("Name of an unknown number: %q", Name(100000))
	}
}

// TestNamesAgainstKernel calls a few harmless syscalls by the number names gives them and
// compares the running kernel's answers with the Go runtime's own.
func TestNamesAgainstKernel(t *testing.T) {
	cases := []struct {
		name string
		want int
	}{
		{"getpid", os.Getpid()},
		{"getppid", os.Getppid()},
		{"getuid", os.Getuid()},
		{"getgid", os.Getgid()},
		{"geteuid", os.Geteuid()},
	}
	for _, c := range cases {
		nr, ok := numberOf(c.name)
		if !ok {
			t.Errorf("%s: not in names", c.name)
			continue
		}
		r, _, e := unix.RawSyscall(uintptr(nr), 0, 0, 0)
		if e != 0 || int(r) != c.want {
			t.Errorf("syscall %d (%s) = %d, %v; want %d", nr, c.name, r, e, c.want)
		}
	}
}

// TestAuditArch: AuditArch is EM_<machine> | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
// (include/uapi/linux/audit.h) for the machine of the running binary's ELF header.
func TestAuditArch(t *testing.T) {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		t.Fatalf("read own ELF header: %v", err)
	}
	defer f.Close()
	const arch64, archLE = 0x80000000, 0x40000000
	want := uint32(f.Machine)
	if f.Class == elf.ELFCLASS64 {
		want |= arch64
	}
	if f.Data == elf.ELFDATA2LSB {
		want |= archLE
	}
	if uint32(AuditArch) != want {
		t.Errorf("AuditArch = %#x, the running binary's machine gives %#x", uint32(AuditArch), want)
	}
}

func TestNumbers(t *testing.T) {
	nrs := Numbers()
	if !sort.IntsAreSorted(nrs) {
		t.Errorf("Numbers not sorted: %v", nrs)
	}
	listed := map[int]bool{}
	for _, nr := range nrs {
		listed[nr] = true
	}
	for nr := -1; nr < len(table)+10; nr++ {
		if (Lookup(nr) != nil) != listed[nr] {
			t.Errorf("syscall %d: Lookup %v, in Numbers %v", nr, Lookup(nr) != nil, listed[nr])
		}
	}
	for nr := range names {
		if nr >= len(table) {
			t.Errorf("syscall %d (%s) beyond the table's %d rows", nr, names[nr], len(table))
		}
	}
}

func TestNeedsExit(t *testing.T) {
	want := map[string]bool{
		"chdir": true, "fchdir": true, "bind": true, "connect": true, "getsockname": true,
		"getpeername": true, "accept": true, "accept4": true, "recvfrom": true, "recvmsg": true,
		"uname": true, "sched_getaffinity": true, "sched_setaffinity": true, "unshare": true,
		"openat": false, "execve": false, "getcwd": false, "readlinkat": false, "sethostname": false,
		"sendto": false, "sendmsg": false, "symlinkat": false, "mount": false, "chroot": false,
		"io_uring_setup": false,
	}
	for name, w := range want {
		nr, ok := numberOf(name)
		if !ok || Lookup(nr) == nil {
			t.Errorf("%s: no row", name)
			continue
		}
		if got := NeedsExit(Lookup(nr)); got != w {
			t.Errorf("NeedsExit(%s) = %v, want %v", name, got, w)
		}
	}
}

package tracer

import (
	"os"
	"strconv"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// withMountedProc returns table with the host's /proc bound at the guest's /proc when
// the rootfs has a procfs mounted there itself (a tree prepared for chroot(8)) and no
// binding names /proc. The tracer answers for /proc/self, /proc/PID/exe, cwd and the fd
// links only under the host's /proc (Readlink): through the rootfs's own mount, "self"
// would be groot and the links host paths. That mount must show groot's own pid
// namespace ("self" is groot), or it is left as it is.
func withMountedProc(table *bindings.Table) *bindings.Table {
	host, b := table.GuestToHost("/proc")
	if b == nil || b.Guest != "/" {
		return table // bound, or inside another binding
	}
	var fs unix.Statfs_t
	if unix.Statfs(host, &fs) != nil || fs.Type != unix.PROC_SUPER_MAGIC {
		return table
	}
	if self, err := os.Readlink(host + "/self"); err != nil || self != strconv.Itoa(os.Getpid()) {
		return table
	}
	var binds []bindings.Binding
	for _, b := range table.All() {
		if b.Guest != "/" {
			binds = append(binds, b)
		}
	}
	with, err := bindings.New(table.Rootfs(), append(binds, bindings.Binding{Host: "/proc", Guest: "/proc"}))
	if err != nil {
		return table
	}
	return with
}

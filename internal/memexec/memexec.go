// Package memexec puts a small static program into a memfd, to be executed from there:
// groot's assembled helpers (the ptrace engine's shim, the namespace engine's init) run
// without a file in the guest's tree or on the host.
package memexec

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Memfd returns a close-on-exec memfd named name holding elf. Close-on-exec: an ELF file
// executed from its descriptor (execveat AT_EMPTY_PATH, or /proc/self/fd/N) needs it only
// until the exec, and whatever the program executes next must not inherit it. MFD_EXEC
// (Linux 6.3) keeps it executable where vm.memfd_noexec=1 would seal it otherwise; older
// kernels refuse the flag (EINVAL) and need none.
func Memfd(name string, elf []byte) (int, error) {
	fd, err := unix.MemfdCreate(name, unix.MFD_CLOEXEC|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate(name, unix.MFD_CLOEXEC)
	}
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	if n, err := unix.Write(fd, elf); err != nil || n != len(elf) {
		unix.Close(fd)
		return -1, fmt.Errorf("write %s to its memfd: %v (%d of %d bytes)", name, err, n, len(elf))
	}
	return fd, nil
}

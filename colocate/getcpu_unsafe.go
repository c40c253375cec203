package colocate

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// getcpu is getcpu(2): the CPU the calling thread runs on (golang.org/x/sys/unix has no
// wrapper for it).
func getcpu() (int, error) {
	var cpu, node uint32
	if _, _, e := unix.RawSyscall(unix.SYS_GETCPU, uintptr(unsafe.Pointer(&cpu)), uintptr(unsafe.Pointer(&node)), 0); e != 0 {
		return 0, e
	}
	return int(cpu), nil
}

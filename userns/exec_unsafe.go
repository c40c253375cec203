package userns

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// execveatFD executes the file open as fd (execveat(2) with AT_EMPTY_PATH, Linux 3.19);
// it returns only on failure.
func execveatFD(fd int, argv, envp []*byte) {
	empty, _ := unix.BytePtrFromString("")
	unix.Syscall6(unix.SYS_EXECVEAT, uintptr(fd), uintptr(unsafe.Pointer(empty)),
		uintptr(unsafe.Pointer(&argv[0])), uintptr(unsafe.Pointer(&envp[0])), unix.AT_EMPTY_PATH, 0)
}

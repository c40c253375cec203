package syscalls

import "golang.org/x/sys/unix"

// AuditArch is seccomp_data.arch for this architecture's native syscalls.
const AuditArch = unix.AUDIT_ARCH_AARCH64

// archRows: arm64 uses the asm-generic table, which has only the *at forms of the path
// syscalls (include/uapi/asm-generic/unistd.h): the common rows cover it.
func archRows() map[int]Entry { return nil }

package tracer

import "golang.org/x/sys/unix"

// x32Syscalls: arm64 has no x32-style ABI sharing its audit arch.
const x32Syscalls = false

// auditArch is what seccomp_data.arch holds for native syscalls.
const auditArch = unix.AUDIT_ARCH_AARCH64

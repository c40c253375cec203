package tracer

import "golang.org/x/sys/unix"

// x32Syscalls: x86_64 kernels may also accept x32 syscalls, numbered with bit 30 set
// under the same AUDIT_ARCH_X86_64 (arch/x86/include/asm/unistd.h).
const x32Syscalls = true

// auditArch is what seccomp_data.arch holds for native syscalls.
const auditArch = unix.AUDIT_ARCH_X86_64

// The first guest process of the ptrace engine, arm64: the same tiny shim as
// shim_amd64.S (read its header for what it does and why), in AArch64 assembly with the
// asm-generic syscall numbers.
	.globl _start
	.text
_start:
	mov	x19, sp			// x19 -> argc
	mov	x8, #172		// getpid()
	svc	#0
	mov	x1, #19			// kill(pid, SIGSTOP): the tracer seizes us here
	mov	x8, #129
	svc	#0
	adr	x9, fprog
	ldrh	w10, [x9]
	cbz	w10, exec		// no filter: every syscall stops
	mov	x8, #167		// prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	mov	x0, #38
	mov	x1, #1
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	svc	#0
	cbnz	x0, setup_failed
	mov	x8, #277		// seccomp(SECCOMP_SET_MODE_FILTER,
	mov	x0, #1			//   SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog)
	mov	x1, #4
	adr	x2, fprog
	svc	#0
	cmn	x0, #22			// EINVAL: Linux < 4.17, no such flag
	b.ne	1f
	mov	x8, #277		// seccomp(SECCOMP_SET_MODE_FILTER, 0, &fprog)
	mov	x0, #1
	mov	x1, #0
	adr	x2, fprog
	svc	#0
1:	cbnz	x0, setup_failed
exec:
	ldr	x9, [x19]		// argc
	add	x2, x19, x9, lsl #3
	add	x2, x2, #16		// envp = &argv[argc+1]
	ldr	x0, [x19, #16]		// PATH = argv[1]
	add	x1, x19, #24		// argv = &argv[2]
	mov	x8, #221		// execve(PATH, argv, envp)
	svc	#0
	cmn	x0, #8			// ENOEXEC: /bin/sh PATH ARGS...
	b.ne	exec_failed
	ldr	x9, [x19, #16]
	str	x9, [x19, #24]		// argv[2] = PATH
	adr	x0, binsh
	str	x0, [x19, #16]		// argv[1] = "/bin/sh"
	add	x1, x19, #16
	ldr	x9, [x19]
	add	x2, x19, x9, lsl #3
	add	x2, x2, #16
	mov	x8, #221		// execve("/bin/sh", &argv[1], envp)
	svc	#0
exec_failed:
	neg	x0, x0			// exit_group(errno)
	mov	x8, #94
	svc	#0
setup_failed:
	neg	x0, x0
	add	x0, x0, #128		// exit_group(128+errno)
	mov	x8, #94
	svc	#0

	.section .rodata
binsh:	.asciz "/bin/sh"

	.data
	.balign 8
	.globl fprog
fprog:	.quad 0			// struct sock_fprog: unsigned short len (+ padding),
	.quad filter		// struct sock_filter *filter

	.bss
	.balign 8
	.globl filter
filter:	.space 8*4096		// BPF_MAXINSNS instructions

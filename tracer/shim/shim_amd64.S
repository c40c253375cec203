# The first guest process of the ptrace engine, x86_64: a tiny static program with no
# runtime, run instead of a second Go process (a Go runtime's start, about 2 ms here, was
# most of what the ptrace engine added to a `groot true` over the namespace engine).
#
# Started as: shim PATH ARGV0 ARGS... (environment: the guest's). It
#   1. stops itself (kill(getpid(), SIGSTOP)), so that the tracer can PTRACE_SEIZE it
#      (a PTRACE_TRACEME tracee's group-stops cannot be PTRACE_LISTENed, and job control
#      needs that: ptrace(2), "Group-stop"); while it is stopped the tracer writes the
#      seccomp filter into `filter` and its length into `fprog` (0: no filter),
#   2. installs the filter: prctl(PR_SET_NO_NEW_PRIVS) (seccomp(2) requires it of an
#      unprivileged caller), seccomp(SECCOMP_SET_MODE_FILTER) with
#      SECCOMP_FILTER_FLAG_SPEC_ALLOW (Linux 4.17; retried without it before): the filter
#      is for speed, not a security boundary, and without the flag a kernel whose
#      speculation mitigations are in "seccomp" mode (x86 before 5.16, arm64 with dynamic
#      SSBD) forces Speculative Store Bypass Disable, and on x86 IBPB at every context
#      switch, on the whole guest (arch_seccomp_spec_mitigate),
#   3. execs PATH with ARGV0 ARGS..., an execve the tracer translates like any other; a
#      file the kernel cannot execute (ENOEXEC) is run by /bin/sh, as execvp(3) does.
# When that fails it exits with the errno as its status; a failed prctl or seccomp exits
# with 128+errno. The tracer, which saw that the process never executed the guest, turns
# the status into groot's message and exit status (tracer/shim.go).
	.intel_syntax noprefix
	.globl _start
	.text
_start:
	mov r12, rsp                    # r12 -> argc
	mov rax, 39                     # getpid()
	syscall
	mov rdi, rax                    # kill(pid, SIGSTOP): the tracer seizes us here
	mov rsi, 19
	mov rax, 62
	syscall
	movzx eax, word ptr [rip + fprog]
	test eax, eax
	jz exec                         # no filter: every syscall stops
	mov rax, 157                    # prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	mov rdi, 38
	mov rsi, 1
	xor edx, edx
	xor r10, r10
	xor r8, r8
	syscall
	test rax, rax
	jnz setup_failed
	mov rax, 317                    # seccomp(SECCOMP_SET_MODE_FILTER,
	mov rdi, 1                      #   SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog)
	mov esi, 4
	lea rdx, [rip + fprog]
	syscall
	cmp rax, -22                    # EINVAL: Linux < 4.17, no such flag
	jne 1f
	mov rax, 317                    # seccomp(SECCOMP_SET_MODE_FILTER, 0, &fprog)
	mov rdi, 1
	xor esi, esi
	lea rdx, [rip + fprog]
	syscall
1:	test rax, rax
	jnz setup_failed
exec:
	mov rcx, [r12]                  # argc
	lea rdx, [r12 + 8*rcx + 16]     # envp = &argv[argc+1]
	mov rdi, [r12 + 16]             # PATH = argv[1]
	lea rsi, [r12 + 24]             # argv = &argv[2]
	mov rax, 59                     # execve(PATH, argv, envp)
	syscall
	cmp rax, -8                     # ENOEXEC: /bin/sh PATH ARGS...
	jne exec_failed
	mov rax, [r12 + 16]
	mov [r12 + 24], rax             # argv[2] = PATH
	lea rdi, [rip + binsh]
	mov [r12 + 16], rdi             # argv[1] = "/bin/sh"
	lea rsi, [r12 + 16]
	mov rax, 59                     # execve("/bin/sh", &argv[1], envp)
	syscall
exec_failed:
	neg rax
	mov rdi, rax                    # exit_group(errno)
	mov rax, 231
	syscall
setup_failed:
	neg rax
	lea rdi, [rax + 128]            # exit_group(128+errno)
	mov rax, 231
	syscall

	.section .rodata
binsh:	.asciz "/bin/sh"

	.data
	.balign 8
	.globl fprog
fprog:	.quad 0                         # struct sock_fprog: unsigned short len (+ padding),
	.quad filter                    # struct sock_filter *filter

	.bss
	.balign 8
	.globl filter
filter:	.space 8*4096                   # BPF_MAXINSNS instructions

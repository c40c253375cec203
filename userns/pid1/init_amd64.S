# PID 1 of groot's PID namespace (--unshare-pid), x86_64. A tiny init with no runtime:
# a Go init's own threads would take the namespace's first PIDs before the guest starts.
#
# Started as: init PATH ARGV0 ARGS... (environment: the guest's). It
#   0. asks for SIGKILL when its parent (groot) dies (prctl PR_SET_PDEATHSIG),
#   1. names itself "groot-init" (prctl PR_SET_NAME),
#   2. writes "1" to /proc/sys/kernel/ns_last_pid so that the guest gets PID 2 (it holds
#      CAP_SYS_ADMIN in the namespace's user namespace as an ambient capability),
#   3. blocks SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGCHLD,
#   4. forks; the child clears its ambient capabilities, unblocks the signals and execs
#      PATH with ARGV0 ARGS... (on failure it exits 127),
#   5. waits for the signals: SIGCHLD reaps every zombie (orphans included); the others are
#      passed on to the guest, but for a terminal's SIGINT and SIGQUIT, which the guest got
#      already (the same rule as groot's own, internal/sigforward's kernelSkip). When the
#      guest ends, init exits with its status, or 128+N for a death by signal N, and the
#      kernel kills whatever is left in the namespace.
	.intel_syntax noprefix
	.globl _start
	.text
_start:
	mov r12, rsp                    # r12 -> argc
	mov rax, 157                    # prctl(PR_SET_PDEATHSIG, SIGKILL): die with groot,
	mov rdi, 1                      # whatever the exec chain did to the flag groot set
	mov rsi, 9
	syscall
	mov rax, 157                    # prctl(PR_SET_NAME, name)
	mov rdi, 15
	lea rsi, [rip + name]
	syscall
	mov rax, 2                      # open("/proc/sys/kernel/ns_last_pid", O_WRONLY)
	lea rdi, [rip + lastpid]
	mov rsi, 1
	xor edx, edx
	syscall
	test rax, rax
	js 1f
	mov r13, rax
	mov rax, 1                      # write(fd, "1", 1)
	mov rdi, r13
	lea rsi, [rip + one]
	mov rdx, 1
	syscall
	mov rax, 3                      # close(fd)
	mov rdi, r13
	syscall
1:
	lea rsi, [rip + sigset]         # rt_sigprocmask(SIG_BLOCK, &set, NULL, 8)
	mov rax, 14
	xor edi, edi
	xor edx, edx
	mov r10, 8
	syscall
	mov rax, 57                     # fork()
	syscall
	test rax, rax
	js die
	jz child
	mov r14, rax                    # r14 = the guest's pid
	sub rsp, 128                    # r15 -> a siginfo_t
	mov r15, rsp
wait_signal:
	mov rax, 128                    # rt_sigtimedwait(&set, &info, NULL, 8)
	lea rdi, [rip + sigset]
	mov rsi, r15
	xor edx, edx
	mov r10, 8
	syscall
	cmp rax, 17                     # SIGCHLD?
	je reap
	test rax, rax
	jle wait_signal                 # EINTR and friends
	# A SIGINT or SIGQUIT that the kernel made (si_code > 0, SI_KERNEL) is a terminal's
	# ^C or ^\, sent to its whole foreground process group, the guest included
	# (drivers/tty/n_tty.c, isig -> kill_pgrp): passing it on would make two.
	cmp rax, 2
	je terminal
	cmp rax, 3
	jne forward
terminal:
	cmp dword ptr [r15 + 8], 0      # si_code
	jg wait_signal
forward:
	mov rsi, rax                    # kill(guest, sig)
	mov rax, 62
	mov rdi, r14
	syscall
	jmp wait_signal
reap:
	sub rsp, 16
	mov rax, 61                     # wait4(-1, &status, WNOHANG, NULL)
	mov rdi, -1
	mov rsi, rsp
	mov rdx, 1
	xor r10, r10
	syscall
	mov ecx, [rsp]
	add rsp, 16
	test rax, rax
	jle wait_signal                 # none left to reap now
	cmp rax, r14
	jne reap                        # an orphan: reap on
	mov eax, ecx                    # the guest ended: its status
	and eax, 0x7f
	jz exited
	add eax, 128                    # killed by signal N: 128+N
	mov edi, eax
	jmp exit
exited:
	mov edi, ecx
	shr edi, 8
	and edi, 0xff
exit:
	mov rax, 231                    # exit_group(code)
	syscall
child:
	mov rax, 157                    # prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL)
	mov rdi, 47
	mov rsi, 4
	xor edx, edx
	xor r10, r10
	xor r8, r8
	syscall
	lea rsi, [rip + emptyset]       # rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8)
	mov rax, 14
	mov rdi, 2
	xor edx, edx
	mov r10, 8
	syscall
	mov rcx, [r12]                  # argc
	lea rdx, [r12 + 8*rcx + 16]     # envp = &argv[argc+1]
	mov rdi, [r12 + 16]             # PATH = argv[1]
	lea rsi, [r12 + 24]             # argv = &argv[2]
	mov rax, 59                     # execve(PATH, argv, envp)
	syscall
die:
	mov rax, 1                      # write(2, msg, len)
	mov rdi, 2
	lea rsi, [rip + msg]
	mov rdx, OFFSET msglen
	syscall
	mov rdi, 127
	mov rax, 231
	syscall

	.section .rodata
name:	.asciz "groot-init"
lastpid: .asciz "/proc/sys/kernel/ns_last_pid"
one:	.ascii "1"
msg:	.ascii "groot: init: cannot execute the guest command\n"
	.set msglen, . - msg
	.balign 8
# SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGUSR1(10), SIGUSR2(12), SIGTERM(15), SIGCHLD(17):
# bit N-1
sigset:	.quad (1<<0)|(1<<1)|(1<<2)|(1<<9)|(1<<11)|(1<<14)|(1<<16)
emptyset: .quad 0

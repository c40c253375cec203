// PID 1 of groot's PID namespace (--unshare-pid), arm64: the same tiny init as
// init_amd64.S (read its header for what it does and why), in AArch64 assembly with the
// asm-generic syscall numbers: there is no open or fork, so openat(AT_FDCWD, ...) and
// clone(SIGCHLD, 0, 0, 0, 0) stand in for them.
	.globl _start
	.text
_start:
	mov	x19, sp			// x19 -> argc
	mov	x8, #167		// prctl(PR_SET_PDEATHSIG, SIGKILL): die with groot,
	mov	x0, #1			// whatever the exec chain did to the flag groot set
	mov	x1, #9
	svc	#0
	mov	x8, #167		// prctl(PR_SET_NAME, name)
	mov	x0, #15
	adr	x1, name
	svc	#0
	mov	x8, #56			// openat(AT_FDCWD, "/proc/sys/kernel/ns_last_pid", O_WRONLY)
	mov	x0, #-100
	adr	x1, lastpid
	mov	x2, #1
	mov	x3, #0
	svc	#0
	tbnz	x0, #63, 1f
	mov	x20, x0
	mov	x8, #64			// write(fd, "1", 1)
	mov	x0, x20
	adr	x1, one
	mov	x2, #1
	svc	#0
	mov	x8, #57			// close(fd)
	mov	x0, x20
	svc	#0
1:
	mov	x8, #135		// rt_sigprocmask(SIG_BLOCK, &set, NULL, 8)
	mov	x0, #0
	adr	x1, sigset
	mov	x2, #0
	mov	x3, #8
	svc	#0
	mov	x8, #220		// clone(SIGCHLD, 0, 0, 0, 0): fork
	mov	x0, #17
	mov	x1, #0
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	svc	#0
	tbnz	x0, #63, die
	cbz	x0, child
	mov	x21, x0			// x21 = the guest's pid
	sub	sp, sp, #128		// x22 -> a siginfo_t
	mov	x22, sp
wait_signal:
	mov	x8, #137		// rt_sigtimedwait(&set, &info, NULL, 8)
	adr	x0, sigset
	mov	x1, x22
	mov	x2, #0
	mov	x3, #8
	svc	#0
	cmp	x0, #17			// SIGCHLD?
	b.eq	reap
	cmp	x0, #0
	b.le	wait_signal		// EINTR and friends
	cmp	x0, #2			// a terminal's SIGINT or SIGQUIT (si_code > 0):
	b.eq	terminal		// the guest has it already (see init_amd64.S)
	cmp	x0, #3
	b.ne	forward
terminal:
	ldr	w9, [x22, #8]
	cmp	w9, #0
	b.gt	wait_signal
forward:
	mov	x1, x0			// kill(guest, sig)
	mov	x8, #129
	mov	x0, x21
	svc	#0
	b	wait_signal
reap:
	sub	sp, sp, #16
	mov	x8, #260		// wait4(-1, &status, WNOHANG, NULL)
	mov	x0, #-1
	mov	x1, sp
	mov	x2, #1
	mov	x3, #0
	svc	#0
	ldr	w9, [sp]
	add	sp, sp, #16
	cmp	x0, #0
	b.le	wait_signal		// none left to reap now
	cmp	x0, x21
	b.ne	reap			// an orphan: reap on
	and	w10, w9, #0x7f		// the guest ended: its status
	cbz	w10, exited
	add	w0, w10, #128		// killed by signal N: 128+N
	b	exit
exited:
	ubfx	w0, w9, #8, #8
exit:
	mov	x8, #94			// exit_group(code)
	svc	#0
child:
	mov	x8, #167		// prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	mov	x0, #47
	mov	x1, #4
	mov	x2, #0
	mov	x3, #0
	mov	x4, #0
	svc	#0
	mov	x8, #135		// rt_sigprocmask(SIG_SETMASK, &empty, NULL, 8)
	mov	x0, #2
	adr	x1, emptyset
	mov	x2, #0
	mov	x3, #8
	svc	#0
	ldr	x9, [x19]		// argc
	add	x2, x19, x9, lsl #3	// envp = &argv[argc+1]
	add	x2, x2, #16
	ldr	x0, [x19, #16]		// PATH = argv[1]
	add	x1, x19, #24		// argv = &argv[2]
	mov	x8, #221		// execve(PATH, argv, envp)
	svc	#0
die:
	mov	x8, #64			// write(2, msg, 46)
	mov	x0, #2
	adr	x1, msg
	mov	x2, #46
	svc	#0
	mov	x0, #127
	mov	x8, #94
	svc	#0

	.balign 8
name:	.asciz "groot-init"
lastpid: .asciz "/proc/sys/kernel/ns_last_pid"
one:	.ascii "1"
msg:	.ascii "groot: init: cannot execute the guest command\n"
	.balign 8
// SIGHUP(1), SIGINT(2), SIGQUIT(3), SIGUSR1(10), SIGUSR2(12), SIGTERM(15), SIGCHLD(17):
// bit N-1
sigset:	.quad (1<<0)|(1<<1)|(1<<2)|(1<<9)|(1<<11)|(1<<14)|(1<<16)
emptyset: .quad 0

#include "textflag.h"

// The kernel enters a handler as void handler(int sig, siginfo_t *info, void *ctx)
// (SA_SIGINFO): DI = sig, SI = info; it returns to sa_restorer (sigreturn). Every register
// is restored from the signal frame on return, so none needs saving here.

// forwardHandler: kill(target, sig), unless the kernel made sig (info->si_code > 0, as
// SI_KERNEL for the terminal's) and bit sig of kernelSkip is set; before Target, set bit
// sig of pending, then look at target again in case Target ran meanwhile.
TEXT ·forwardHandler(SB), NOSPLIT|NOFRAME, $0
	MOVL	8(SI), AX          // si_code: after si_signo and si_errno
	CMPL	AX, $0
	JLE	forward            // sent by a process: SI_USER, SI_QUEUE, SI_TKILL...
	MOVL	DI, CX
	MOVL	·kernelSkip(SB), AX
	SHRL	CX, AX
	TESTL	$1, AX
	JNZ	done

forward:
	MOVL	·target(SB), AX
	TESTL	AX, AX
	JNZ	send
	MOVL	DI, CX
	MOVL	$1, DX
	SHLL	CX, DX
	LOCK
	ORL	DX, ·pending(SB)
	MOVL	·target(SB), AX
	TESTL	AX, AX
	JZ	done

send:
	MOVL	DI, SI             // kill(pid, sig)
	MOVL	AX, DI
	MOVL	$62, AX            // SYS_kill
	SYSCALL

done:
	RET

TEXT ·swallowHandler(SB), NOSPLIT|NOFRAME, $0
	RET

TEXT ·sigreturn(SB), NOSPLIT|NOFRAME, $0
	MOVL	$15, AX            // SYS_rt_sigreturn
	SYSCALL
	INT	$3                 // not reached

// func handlerPCs() (forward, swallow, restorer uintptr)
TEXT ·handlerPCs(SB), NOSPLIT, $0-24
	LEAQ	·forwardHandler(SB), AX
	MOVQ	AX, forward+0(FP)
	LEAQ	·swallowHandler(SB), AX
	MOVQ	AX, swallow+8(FP)
	LEAQ	·sigreturn(SB), AX
	MOVQ	AX, restorer+16(FP)
	RET

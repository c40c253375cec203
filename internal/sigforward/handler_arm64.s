#include "textflag.h"

// The kernel enters a handler as void handler(int sig, siginfo_t *info, void *ctx)
// (SA_SIGINFO): R0 = sig, R1 = info, LR = sa_restorer (sigreturn). Every register is
// restored from the signal frame on return, so none needs saving here.

// forwardHandler: kill(target, sig), unless the kernel made sig (info->si_code > 0, as
// SI_KERNEL for the terminal's) and bit sig of kernelSkip is set; before Target, set bit
// sig of pending, then look at target again in case Target ran meanwhile.
TEXT ·forwardHandler(SB), NOSPLIT|NOFRAME, $0
	MOVW	8(R1), R2          // si_code: after si_signo and si_errno
	CMPW	$0, R2
	BLE	forward            // sent by a process: SI_USER, SI_QUEUE, SI_TKILL...
	MOVWU	·kernelSkip(SB), R3
	LSRW	R0, R3, R3
	TBNZ	$0, R3, done

forward:
	MOVWU	·target(SB), R2
	CBNZW	R2, send
	MOVW	$1, R3
	LSLW	R0, R3, R3
	MOVD	$·pending(SB), R4

again:
	LDAXRW	(R4), R5           // pending |= 1<<sig
	ORRW	R3, R5, R5
	STLXRW	R5, (R4), R6
	CBNZW	R6, again
	MOVWU	·target(SB), R2
	CBZW	R2, done

send:
	MOVW	R0, R1             // kill(pid, sig)
	MOVW	R2, R0
	MOVD	$129, R8           // SYS_kill
	SVC

done:
	RET

TEXT ·swallowHandler(SB), NOSPLIT|NOFRAME, $0
	RET

TEXT ·sigreturn(SB), NOSPLIT|NOFRAME, $0
	MOVD	$139, R8           // SYS_rt_sigreturn
	SVC
	BRK                        // not reached

// func handlerPCs() (forward, swallow, restorer uintptr)
TEXT ·handlerPCs(SB), NOSPLIT, $0-24
	MOVD	$·forwardHandler(SB), R0
	MOVD	R0, forward+0(FP)
	MOVD	$·swallowHandler(SB), R0
	MOVD	R0, swallow+8(FP)
	MOVD	$·sigreturn(SB), R0
	MOVD	R0, restorer+16(FP)
	RET

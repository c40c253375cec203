package tracer

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// A syscall block is a straight run of system calls that a stopped tracee executes for
// the tracer in one go: the tracer writes machine code that loads each call's registers,
// makes the call and stores its result, and ends in a breakpoint. The whole block costs
// one resume and one stop, where injecting the calls one at a time cost a round trip
// each (loading a dynamic program takes about eight calls, at every exec).
//
// Calls can use what an earlier call returned: the block keeps one result as "the fd"
// and one as "the base", in registers the syscall ABI preserves (x86_64: r12 and r13;
// the kernel clobbers only rax, rcx and r11 — arm64: x19 and x20; the kernel clobbers
// only x0). The encoders live in block_amd64.go and block_arm64.go.

// operandKind says how an argument of an injected call is formed.
type operandKind uint8

const (
	opImm  operandKind = iota // the immediate value
	opFD                      // the result of the call that kept keepFD
	opBase                    // the immediate plus the result of the call that kept keepBase
)

type operand struct {
	kind operandKind
	imm  uint64
}

func imm(v uint64) operand     { return operand{kind: opImm, imm: v} }
func baseOff(v uint64) operand { return operand{kind: opBase, imm: v} }

var keptFD = operand{kind: opFD}

// keepKind says which of the block's registers keeps a call's result.
type keepKind uint8

const (
	keepNone keepKind = iota
	keepFD
	keepBase
)

// A blockEnd makes a block finish by itself instead of trapping back to the tracer:
// each call's result is checked (a failed call traps, as the plain block's end does),
// then spans are zeroed and words stored, every register the block used is given back its
// saved value, the flags last, and the block jumps to the saved pc. The tracer sees no
// stop at all when everything succeeds; it must not need to act between the block and
// the code it returns to, and the code stays where it was written.
type blockEnd struct {
	at     uint64 // where the code is written (the jump back is pc-relative)
	zero   []zeroSpan
	stores []wordStore
	resume regs // the registers to give back; the block jumps to resume.pc()
}

// zeroSpan is n bytes to zero from start.
type zeroSpan struct {
	start operand
	n     uint64
}

// wordStore writes the 8-byte value val at addr.
type wordStore struct {
	addr uint64
	val  operand
}

type injectedCall struct {
	nr   int
	args []operand
	keep keepKind
	what string // names the call in errors: "open /usr/bin/ls"
}

// runBlock has the tracee, stopped with its registers in saved, execute calls from code
// written at codeAddr (which must be in an executable mapping), storing the results at
// the 8*len(calls) writable bytes at results. The code bytes and the registers are
// restored afterwards, and signals that arrived meanwhile are queued again. It returns
// each call's result; an error result is reported as the first failed call's error.
func runBlock(t *tracee, saved regs, codeAddr uint64, calls []injectedCall, results uint64) ([]uint64, error) {
	code, err := encodeBlock(calls, results, nil)
	if err != nil {
		return nil, err
	}
	mem, err := openMem(t.tid, unix.O_RDWR)
	if err != nil {
		return nil, err
	}
	defer unix.Close(mem)
	orig := make([]byte, len(code))
	if n, err := unix.Pread(mem, orig, int64(codeAddr)); err != nil || n != len(orig) {
		return nil, fmt.Errorf("read %d bytes of code at %#x: %v (%d read)", len(orig), codeAddr, err, n)
	}
	if err := pwriteCode(mem, codeAddr, code); err != nil {
		return nil, err
	}
	var sigs []unix.Signal
	restore := func() {
		_, _ = unix.Pwrite(mem, orig, int64(codeAddr))
		_ = setRegs(t.tid, &saved)
		t.regs = saved
		for _, s := range sigs {
			_ = unix.Tgkill(t.proc.tgid, t.tid, s)
		}
	}
	r := saved
	r.setPC(codeAddr)
	if err := setRegs(t.tid, &r); err != nil {
		restore()
		return nil, err
	}
	for {
		if err := ptrace(unix.PTRACE_CONT, t.tid, 0, 0); err != nil {
			return nil, err
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(t.tid, &ws, unix.WALL, nil); err != nil {
			return nil, err
		}
		if !ws.Stopped() {
			t.tr.reaped(t.tid, ws)
			return nil, unix.ESRCH
		}
		sig, event := ws.StopSignal(), int(ws>>16)&0xff
		if sig == unix.SIGTRAP && event == 0 {
			break // the breakpoint at the end of the block
		}
		if event == 0 && sig != unix.SIGTRAP|0x80 {
			sigs = append(sigs, sig)
		}
		// Event stops on the way (a seccomp stop for a traced call): step on.
		t.tr.logf(3, "pid %d: stop %#x inside an injected block", t.tid, uint32(ws))
	}
	out := make([]byte, 8*len(calls))
	err = readMem(t.tid, results, out)
	restore()
	if err != nil {
		return nil, err
	}
	return blockResults(calls, out)
}

// openMem opens the tracee's /proc/PID/mem, through which code goes in: it writes
// read-only pages (FOLL_FORCE, as PTRACE_POKEDATA does, but in one call) and keeps the
// instruction cache coherent (copy_to_user_page flushes it on arm64). It must be opened
// after the exec whose image it is to write: it holds the mm it was opened on.
func openMem(tid, mode int) (int, error) {
	mem, err := unix.Open("/proc/"+strconv.Itoa(tid)+"/mem", mode|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open /proc/%d/mem: %w", tid, err)
	}
	return mem, nil
}

// pwriteCode writes code at addr through an open /proc/PID/mem.
func pwriteCode(mem int, addr uint64, code []byte) error {
	if n, err := unix.Pwrite(mem, code, int64(addr)); err != nil || n != len(code) {
		return fmt.Errorf("write %d bytes of code at %#x: %v (%d written)", len(code), addr, err, n)
	}
	return nil
}

// blockResults decodes the results a block stored (out) and reports the first failed
// call as an error.
func blockResults(calls []injectedCall, out []byte) ([]uint64, error) {
	rets := make([]uint64, len(calls))
	for i := range calls {
		rets[i] = binary.NativeEndian.Uint64(out[8*i:])
		if v := int64(rets[i]); v < 0 && v > -4096 {
			return rets, fmt.Errorf("%s: %w", calls[i].what, unix.Errno(-v))
		}
	}
	return rets, nil
}

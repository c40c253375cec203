package tracer

import (
	"encoding/binary"
	"fmt"
)

// arm64 registers of the block: x8 is the syscall number, x0-x5 the arguments (x0 the
// result); x9 holds the results address, x19 the fd and x20 the base; x10 and x11 are
// the end's scratch registers.
const (
	a64Results = 9
	a64Tmp     = 10
	a64Tmp2    = 11
	a64FD      = 19
	a64Base    = 20
)

// encodeBlock assembles calls (see block.go): the results address into x9, then per
// call the argument registers, x8, `svc #0`, `str x0, [x9, #8*i]` and the keeps; then
// `brk #0`, or with end the result checks and the way back to the program (block.go,
// blockEnd).
func encodeBlock(calls []injectedCall, results uint64, end *blockEnd) ([]byte, error) {
	w := a64MovImm(nil, a64Results, results)
	for i, c := range calls {
		for j, a := range c.args {
			w = a64Operand(w, uint32(j), a)
		}
		w = a64MovImm(w, 8, uint64(c.nr))
		w = append(w, 0xd4000001)                             // svc #0
		w = append(w, 0xf9000000|uint32(i)<<10|a64Results<<5) // str x0, [x9, #8*i]
		switch c.keep {
		case keepFD:
			w = append(w, a64MovReg(a64FD, 0))
		case keepBase:
			w = append(w, a64MovReg(a64Base, 0))
		}
		if end != nil {
			// A result in [-4095, -1] is an error (the kernel's IS_ERR_VALUE): x0 + 4095
			// carries exactly then.
			w = append(w, 0xb13ffc1f) // cmn x0, #4095
			w = append(w, 0x54000043) // b.cc over the brk
			w = append(w, 0xd4200000) // brk #0
		}
	}
	if end == nil {
		w = append(w, 0xd4200000) // brk #0
		return a64Bytes(w), nil
	}
	for _, z := range end.zero {
		if z.n == 0 {
			continue
		}
		w = a64Operand(w, a64Tmp, z.start)
		w = a64MovImm(w, a64Tmp2, z.n)
		w = append(w, 0x38001400|a64Tmp<<5|31)       // strb wzr, [x10], #1
		w = append(w, 0xf1000400|a64Tmp2<<5|a64Tmp2) // subs x11, x11, #1
		w = append(w, 0x54000000|(0x7fffe<<5)|1)     // b.ne back to the strb
	}
	for _, s := range end.stores {
		w = a64Operand(w, a64Tmp, s.val)
		w = a64MovImm(w, a64Tmp2, s.addr)
		w = append(w, 0xf9000000|a64Tmp2<<5|a64Tmp) // str x10, [x11]
	}
	// The flags first (through x0, restored after), then every register the block used.
	r := &end.resume.r
	w = a64MovImm(w, 0, r.Pstate&0xf0000000)
	w = append(w, 0xd51b4200) // msr nzcv, x0
	for _, n := range []uint32{0, 1, 2, 3, 4, 5, 8, a64Results, a64Tmp, a64Tmp2, a64FD, a64Base} {
		w = a64MovImm(w, n, r.Regs[n])
	}
	off := (int64(r.Pc) - int64(end.at+4*uint64(len(w)))) / 4
	if off < -(1<<25) || off >= 1<<25 {
		return nil, fmt.Errorf("branch from %#x to %#x does not fit imm26", end.at, r.Pc)
	}
	w = append(w, 0x14000000|uint32(off)&0x3ffffff) // b pc
	return a64Bytes(w), nil
}

func a64Bytes(w []uint32) []byte {
	b := make([]byte, 0, 4*len(w))
	for _, insn := range w {
		b = binary.LittleEndian.AppendUint32(b, insn)
	}
	return b
}

// a64Operand appends the instructions that load operand a into register r.
func a64Operand(w []uint32, r uint32, a operand) []uint32 {
	switch a.kind {
	case opFD:
		return append(w, a64MovReg(r, a64FD))
	case opBase:
		w = a64MovImm(w, r, a.imm)
		return append(w, 0x8b000000|a64Base<<16|r<<5|r) // add xr, xr, x20
	default:
		return a64MovImm(w, r, a.imm)
	}
}

// a64MovImm appends `movz xr, #v[15:0]` and a `movk` for each other non-zero halfword
// (neither touches the flags).
func a64MovImm(w []uint32, r uint32, v uint64) []uint32 {
	w = append(w, 0xd2800000|uint32(v&0xffff)<<5|r)
	for hw := uint32(1); hw < 4; hw++ {
		if part := uint32(v>>(16*hw)) & 0xffff; part != 0 {
			w = append(w, 0xf2800000|hw<<21|part<<5|r)
		}
	}
	return w
}

// a64MovReg is `mov xd, xm` (orr xd, xzr, xm).
func a64MovReg(d, m uint32) uint32 { return 0xaa0003e0 | m<<16 | d }

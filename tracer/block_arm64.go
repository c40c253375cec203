package tracer

import "encoding/binary"

// arm64 registers of the block: x8 is the syscall number, x0-x5 the arguments (x0 the
// result); x9 holds the results address, x19 the fd and x20 the base.
const (
	a64Results = 9
	a64FD      = 19
	a64Base    = 20
)

// encodeBlock assembles calls (see block.go): the results address into x9, then per
// call the argument registers, x8, `svc #0`, `str x0, [x9, #8*i]` and the keeps; then
// `brk #0`.
func encodeBlock(calls []injectedCall, results uint64) []byte {
	w := a64MovImm(nil, a64Results, results)
	for i, c := range calls {
		for j, a := range c.args {
			r := uint32(j)
			switch a.kind {
			case opFD:
				w = append(w, a64MovReg(r, a64FD))
			case opBase:
				w = a64MovImm(w, r, a.imm)
				w = append(w, 0x8b000000|a64Base<<16|r<<5|r) // add xr, xr, x20
			default:
				w = a64MovImm(w, r, a.imm)
			}
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
	}
	w = append(w, 0xd4200000) // brk #0
	b := make([]byte, 0, 4*len(w))
	for _, insn := range w {
		b = binary.LittleEndian.AppendUint32(b, insn)
	}
	return b
}

// a64MovImm appends `movz xr, #v[15:0]` and a `movk` for each other non-zero halfword.
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

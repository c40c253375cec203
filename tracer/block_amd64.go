package tracer

import "encoding/binary"

// x86_64 register numbers as the instruction encoding has them (rax=0 ... rdi=7, r8-r15).
const (
	x86RAX = 0
	x86FD  = 12 // r12 keeps the block's fd
	x86Bas = 13 // r13 keeps the block's base
)

// x86ArgRegs are the syscall argument registers in order: rdi, rsi, rdx, r10, r8, r9.
var x86ArgRegs = [6]byte{7, 6, 2, 10, 8, 9}

// encodeBlock assembles calls (see block.go): per call, the argument registers, `mov
// eax, nr`, `syscall`, `mov [results+8*i], rax` and the keeps; then `int3`.
func encodeBlock(calls []injectedCall, results uint64) []byte {
	var b []byte
	for i, c := range calls {
		for j, a := range c.args {
			r := x86ArgRegs[j]
			switch a.kind {
			case opFD:
				b = x86MovReg(b, r, x86FD)
			case opBase:
				b = x86MovImm(b, r, a.imm)
				b = x86Rex(b, r, x86Bas, 0x01) // add r, r13
			default:
				b = x86MovImm(b, r, a.imm)
			}
		}
		b = binary.LittleEndian.AppendUint32(append(b, 0xb8), uint32(c.nr)) // mov eax, imm32
		b = append(b, 0x0f, 0x05)                                           // syscall
		b = binary.LittleEndian.AppendUint64(append(b, 0x48, 0xa3), results+8*uint64(i))
		switch c.keep {
		case keepFD:
			b = x86MovReg(b, x86FD, x86RAX)
		case keepBase:
			b = x86MovReg(b, x86Bas, x86RAX)
		}
	}
	return append(b, 0xcc) // int3
}

// x86MovImm appends `mov r, imm64` (REX.W B8+r).
func x86MovImm(b []byte, r byte, v uint64) []byte {
	rex := byte(0x48)
	if r >= 8 {
		rex |= 1
	}
	return binary.LittleEndian.AppendUint64(append(b, rex, 0xb8+(r&7)), v)
}

// x86MovReg appends `mov dst, src` (REX.W 89 /r).
func x86MovReg(b []byte, dst, src byte) []byte { return x86Rex(b, dst, src, 0x89) }

// x86Rex appends a register-to-register instruction `op dst, src` of the form REX.W op /r.
func x86Rex(b []byte, dst, src, op byte) []byte {
	rex := byte(0x48)
	if src >= 8 {
		rex |= 4 // REX.R extends ModRM.reg
	}
	if dst >= 8 {
		rex |= 1 // REX.B extends ModRM.rm
	}
	return append(b, rex, op, 0xc0|(src&7)<<3|(dst&7))
}

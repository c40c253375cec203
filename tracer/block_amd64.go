package tracer

import (
	"encoding/binary"
	"fmt"
)

// x86_64 register numbers as the instruction encoding has them (rax=0 ... rdi=7, r8-r15).
const (
	x86RAX = 0
	x86RCX = 1
	x86RDI = 7
	x86FD  = 12 // r12 keeps the block's fd
	x86Bas = 13 // r13 keeps the block's base
)

// x86ArgRegs are the syscall argument registers in order: rdi, rsi, rdx, r10, r8, r9.
var x86ArgRegs = [6]byte{7, 6, 2, 10, 8, 9}

// encodeBlock assembles calls (see block.go): per call, the argument registers, `mov
// eax, nr`, `syscall`, `mov [results+8*i], rax` and the keeps; then `int3`, or with end
// the result checks and the way back to the program (block.go, blockEnd).
func encodeBlock(calls []injectedCall, results uint64, end *blockEnd) ([]byte, error) {
	var b []byte
	for i, c := range calls {
		for j, a := range c.args {
			b = x86Operand(b, x86ArgRegs[j], a)
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
		if end != nil {
			// A result in [-4095, -1] is an error (the kernel's IS_ERR_VALUE): trap.
			b = append(b, 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff) // cmp rax, -4095
			b = append(b, 0x72, 0x01)                         // jb over the int3
			b = append(b, 0xcc)                               // int3
		}
	}
	if end == nil {
		return append(b, 0xcc), nil // int3
	}
	for _, z := range end.zero {
		b = x86Operand(b, x86RDI, z.start)
		b = x86MovImm(b, x86RCX, z.n)
		b = append(b, 0x31, 0xc0) // xor eax, eax
		b = append(b, 0xf3, 0xaa) // rep stosb (DF is clear: the ABI's state at entry)
	}
	for _, s := range end.stores {
		b = x86Operand(b, x86RAX, s.val)
		b = binary.LittleEndian.AppendUint64(append(b, 0x48, 0xa3), s.addr) // mov [addr], rax
	}
	// Every register the block used, then the flags (push/popfq: mov does not touch them).
	r := &end.resume.r
	for _, reg := range []struct {
		n byte
		v uint64
	}{{0, r.Rax}, {1, r.Rcx}, {2, r.Rdx}, {6, r.Rsi}, {7, r.Rdi}, {8, r.R8}, {9, r.R9},
		{10, r.R10}, {11, r.R11}, {12, r.R12}, {13, r.R13}} {
		b = x86MovImm(b, reg.n, reg.v)
	}
	if r.Eflags >= 1<<31 {
		return nil, fmt.Errorf("flags %#x do not fit push imm32", r.Eflags)
	}
	b = binary.LittleEndian.AppendUint32(append(b, 0x68), uint32(r.Eflags)) // push imm32
	b = append(b, 0x9d)                                                     // popfq
	rel := int64(r.Rip) - int64(end.at+uint64(len(b))+5)
	if rel != int64(int32(rel)) {
		return nil, fmt.Errorf("jump from %#x to %#x does not fit rel32", end.at, r.Rip)
	}
	return binary.LittleEndian.AppendUint32(append(b, 0xe9), uint32(int32(rel))), nil // jmp rel32
}

// x86Operand appends the instructions that load operand a into register r.
func x86Operand(b []byte, r byte, a operand) []byte {
	switch a.kind {
	case opFD:
		return x86MovReg(b, r, x86FD)
	case opBase:
		b = x86MovImm(b, r, a.imm)
		return x86Rex(b, r, x86Bas, 0x01) // add r, r13
	default:
		return x86MovImm(b, r, a.imm)
	}
}

// x86MovImm appends the shortest move of v into r that leaves the flags alone: `mov r32,
// imm32` (B8+r, zero-extending), `mov r64, simm32` (REX.W C7 /0) or `mov r64, imm64`
// (REX.W B8+r).
func x86MovImm(b []byte, r byte, v uint64) []byte {
	if v < 1<<32 {
		if r >= 8 {
			b = append(b, 0x41) // REX.B
		}
		return binary.LittleEndian.AppendUint32(append(b, 0xb8+(r&7)), uint32(v))
	}
	rex := byte(0x48) // REX.W, and REX.B for r8-r15
	if r >= 8 {
		rex |= 1
	}
	if int64(v) == int64(int32(v)) {
		return binary.LittleEndian.AppendUint32(append(b, rex, 0xc7, 0xc0|(r&7)), uint32(v))
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

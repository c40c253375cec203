package tracer

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// TestEncodeBlockEnd decodes a self-finishing block and compares it, instruction by
// instruction, with what it must do: each result checked, the bss tail zeroed and an
// auxv value stored relative to the base, flags and registers given back, the branch to
// the saved pc.
func TestEncodeBlockEnd(t *testing.T) {
	calls := []injectedCall{{nr: 57, args: []operand{keptFD}}, {nr: 222, args: []operand{baseOff(0x1000), imm(0x2000)}, keep: keepBase}}
	end := &blockEnd{at: 0xffff00001000, zero: []zeroSpan{{start: baseOff(0x3e10), n: 0x1f0}},
		stores: []wordStore{{addr: 0xfffffff00100, val: baseOff(0x40)}}}
	end.resume.r.Pc, end.resume.r.Pstate, end.resume.r.Regs[19] = 0xffff00000b70, 0x60000000, 0x1234
	code, err := encodeBlock(calls, 0xfffffff09000, end)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := 0; i+4 <= len(code); i += 4 {
		inst, err := arm64asm.Decode(code[i : i+4])
		if err != nil {
			t.Fatalf("decode %08x: %v", binary.LittleEndian.Uint32(code[i:]), err)
		}
		got = append(got, arm64asm.GNUSyntax(inst))
	}
	want := []string{
		"mov x9, #0x9000", "movk x9, #0xfff0, lsl #16", "movk x9, #0xffff, lsl #32",
		"mov x0, x19", "mov x8, #0x39", "svc #0x0", "str x0, [x9]", "cmn x0, #0xfff", "b.cc .+0x8", "brk #0x0",
		"mov x0, #0x1000", "add x0, x0, x20", "mov x1, #0x2000", "mov x8, #0xde", "svc #0x0", "str x0, [x9,#8]",
		"mov x20, x0", "cmn x0, #0xfff", "b.cc .+0x8", "brk #0x0",
		"mov x10, #0x3e10", "add x10, x10, x20", "mov x11, #0x1f0", "strb wzr, [x10],#1", "subs x11, x11, #0x1",
		"b.ne .+0xfffffffffffffff8",
		"mov x10, #0x40", "add x10, x10, x20", "mov x11, #0x100", "movk x11, #0xfff0, lsl #16",
		"movk x11, #0xffff, lsl #32", "str x10, [x11]",
		"mov x0, #0x0", "movk x0, #0x6000, lsl #16", "msr s3_3_c4_c2_0, x0",
	}
	for _, r := range []int{0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 19, 20} {
		v := 0
		if r == 19 {
			v = 0x1234
		}
		want = append(want, fmt.Sprintf("mov x%d, #%#x", r, v))
	}
	want = append(want, "b .+0xfffffffffffffab4")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("block disassembles to\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

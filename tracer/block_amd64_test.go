package tracer

import (
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

// TestEncodeBlock decodes an assembled block and compares it, instruction by
// instruction, with what it must do.
func TestEncodeBlock(t *testing.T) {
	calls := []injectedCall{
		{nr: unix.SYS_OPENAT, args: []operand{imm(atFdcwdArg), imm(0x7000), imm(0x80000), imm(0x1122334455667788)}, keep: keepFD},
		{nr: unix.SYS_MMAP, args: []operand{imm(0), imm(0x5000), imm(0), imm(0x22), imm(^uint64(0)), imm(0)}, keep: keepBase},
		{nr: unix.SYS_MMAP, args: []operand{baseOff(0x1000), imm(0x2000), imm(5), imm(0x12), keptFD, imm(0x1000)}},
		{nr: unix.SYS_CLOSE, args: []operand{keptFD}},
	}
	code := encodeBlock(calls, 0x9000)
	var got []string
	for len(code) > 0 {
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			t.Fatalf("decode %x: %v (after %q)", code, err, got)
		}
		got = append(got, x86asm.IntelSyntax(inst, 0, nil))
		code = code[inst.Len:]
	}
	want := []string{
		"mov rdi, -0x64", "mov rsi, 0x7000", "mov rdx, 0x80000", "mov r10, 0x1122334455667788",
		"mov eax, 0x101", "syscall", "mov qword ptr [0x9000], rax", "mov r12, rax",
		"mov rdi, 0x0", "mov rsi, 0x5000", "mov rdx, 0x0", "mov r10, 0x22", "mov r8, -0x1", "mov r9, 0x0",
		"mov eax, 0x9", "syscall", "mov qword ptr [0x9008], rax", "mov r13, rax",
		"mov rdi, 0x1000", "add rdi, r13", "mov rsi, 0x2000", "mov rdx, 0x5", "mov r10, 0x12", "mov r8, r12", "mov r9, 0x1000",
		"mov eax, 0x9", "syscall", "mov qword ptr [0x9010], rax",
		"mov rdi, r12", "mov eax, 0x3", "syscall", "mov qword ptr [0x9018], rax",
		"int3",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("block disassembles to\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

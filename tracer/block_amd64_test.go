package tracer

import (
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
	"golang.org/x/sys/unix"
)

var testBlockCalls = []injectedCall{
	{nr: unix.SYS_OPENAT, args: []operand{imm(atFdcwdArg), imm(0x7000), imm(0x80000), imm(0x1122334455667788)}, keep: keepFD},
	{nr: unix.SYS_MMAP, args: []operand{imm(0), imm(0x5000), imm(0), imm(0x22), imm(^uint64(0)), imm(0)}, keep: keepBase},
	{nr: unix.SYS_MMAP, args: []operand{baseOff(0x1000), imm(0x2000), imm(5), imm(0x12), keptFD, imm(0x1000)}},
	{nr: unix.SYS_CLOSE, args: []operand{keptFD}},
}

// disassemble decodes code at address at, one instruction a line.
func disassemble(t *testing.T, code []byte, at uint64) []string {
	var got []string
	for len(code) > 0 {
		inst, err := x86asm.Decode(code, 64)
		if err != nil {
			t.Fatalf("decode %x: %v (after %q)", code, err, got)
		}
		got = append(got, x86asm.IntelSyntax(inst, at, nil))
		code, at = code[inst.Len:], at+uint64(inst.Len)
	}
	return got
}

func checkListing(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("block disassembles to\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEncodeBlock decodes an assembled block and compares it, instruction by
// instruction, with what it must do.
func TestEncodeBlock(t *testing.T) {
	code, err := encodeBlock(testBlockCalls, 0x9000, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkListing(t, disassemble(t, code, 0), []string{
		"mov rdi, -0x64", "mov esi, 0x7000", "mov edx, 0x80000", "mov r10, 0x1122334455667788",
		"mov eax, 0x101", "syscall", "mov qword ptr [0x9000], rax", "mov r12, rax",
		"mov edi, 0x0", "mov esi, 0x5000", "mov edx, 0x0", "mov r10d, 0x22", "mov r8, -0x1", "mov r9d, 0x0",
		"mov eax, 0x9", "syscall", "mov qword ptr [0x9008], rax", "mov r13, rax",
		"mov edi, 0x1000", "add rdi, r13", "mov esi, 0x2000", "mov edx, 0x5", "mov r10d, 0x12", "mov r8, r12", "mov r9d, 0x1000",
		"mov eax, 0x9", "syscall", "mov qword ptr [0x9010], rax",
		"mov rdi, r12", "mov eax, 0x3", "syscall", "mov qword ptr [0x9018], rax",
		"int3",
	})
}

// TestEncodeBlockEnd checks a self-finishing block: each result checked, the bss tail
// zeroed and an auxv value stored relative to the base, the registers and flags given
// back, and the jump to the saved pc.
func TestEncodeBlockEnd(t *testing.T) {
	end := &blockEnd{at: 0x7f0000001000,
		zero:   []zeroSpan{{start: baseOff(0x3e10), n: 0x1f0}},
		stores: []wordStore{{addr: 0x7ffd00000100, val: baseOff(0x40)}},
	}
	r := &end.resume.r
	r.Rip, r.Rsp, r.Eflags, r.Rdx, r.R11 = 0x7f0000000b70, 0x7ffd00000000, 0x202, 0, 0
	code, err := encodeBlock(testBlockCalls[3:], 0x9000, end)
	if err != nil {
		t.Fatal(err)
	}
	checkListing(t, disassemble(t, code, end.at), []string{
		"mov rdi, r12", "mov eax, 0x3", "syscall", "mov qword ptr [0x9000], rax",
		"cmp rax, -0xfff", "jb 0x7f000000101d", "int3",
		"mov edi, 0x3e10", "add rdi, r13", "mov ecx, 0x1f0", "xor eax, eax", "rep stosb byte ptr [rdi]",
		"mov eax, 0x40", "add rax, r13", "mov qword ptr [0x7ffd00000100], rax",
		"mov eax, 0x0", "mov ecx, 0x0", "mov edx, 0x0", "mov esi, 0x0", "mov edi, 0x0", "mov r8d, 0x0", "mov r9d, 0x0",
		"mov r10d, 0x0", "mov r11d, 0x0", "mov r12d, 0x0", "mov r13d, 0x0",
		"push 0x202", "popfq", "jmp 0x7f0000000b70",
	})
}

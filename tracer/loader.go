package tracer

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/groot-sandbox/groot/binfmt"
	"golang.org/x/sys/unix"
)

// Auxiliary vector keys (include/uapi/linux/auxvec.h).
const (
	atNull  = 0
	atPhdr  = 3
	atPhent = 4
	atPhnum = 5
	atBase  = 7
	atEntry = 9
)

// loadProgram runs at the PTRACE_EVENT_EXEC stop of an execve that the tracer pointed
// at the guest's ELF interpreter: the interpreter is loaded and about to run its first
// instruction. It maps the program's PT_LOAD segments as binfmt_elf would have
// (fs/binfmt_elf.c: elf_map, set_brk's zeroing of the bss) with one injected block of
// system calls (block.go), and rewrites the auxiliary vector so that the interpreter
// sees a kernel-loaded program and itself as its interpreter.
//
// Under seccomp the block finishes by itself (blockEnd): it is written into the slack
// after the end of the interpreter's executable segment, in the last page of its
// mapping, which no code or data of the interpreter uses, so nothing needs restoring;
// it zeroes the bss tails, stores the base-relative auxv values and jumps to the
// interpreter's entry with the registers the kernel left. The exec costs no stop of
// its own then. The block's calls are not traced: mmap and close carry no path and its
// openat carries the filter's cookie. Without seccomp every call of the block would
// stop, and a program whose file the tracer must keep open until it is mapped (execFD)
// cannot outlive the event stop: those, and an interpreter with no room after its
// code, run the block at the entry with a trap back to the tracer (runBlock), which
// then restores the code.
//
// At the event stop the tracee is still inside execve: the return value (0) is stored in
// rax/x0 after the stop (arch/x86/entry/syscall_64.c do_syscall_x64; arm64
// invoke_syscall), which is why the block sets every register it uses itself, and why
// the registers put back afterwards carry that 0. Resuming the event stop with
// PTRACE_CONT also drops the execve's syscall-exit stop (ptrace_resume clears
// SYSCALL_WORK_SYSCALL_TRACE): the caller must treat the syscall as finished.
func (tr *tracer) loadProgram(t *tracee, plan *binfmt.Plan, img *execImage) error {
	if err := img.load(t); err != nil {
		return err
	}
	saved := img.regs
	saved.setRet(0)
	sp, entry := saved.sp(), saved.pc()
	interpBias := auxvValue(img.auxv, atEntry) - plan.Interp.Entry

	// The kernel grows the new stack by 128 KiB below the arguments at exec
	// (fs/exec.c setup_arg_pages, stack_expand), so these pages are mapped and unused:
	// the program's host path, then the block's results.
	dataAddr := (sp - 16384) &^ 15
	data := append([]byte(plan.Host), 0)
	results := dataAddr + (uint64(len(data))+15)&^15

	prog := plan.Program
	page := uint64(os.Getpagesize())
	down := func(v uint64) uint64 { return v &^ (page - 1) }
	up := func(v uint64) uint64 { return (v + page - 1) &^ (page - 1) }
	calls := []injectedCall{{nr: unix.SYS_OPENAT, args: []operand{imm(atFdcwdArg), imm(dataAddr), imm(unix.O_RDONLY | unix.O_CLOEXEC), imm(tr.openCookie)},
		keep: keepFD, what: "open " + plan.Host}}
	// addr is where a segment address lands: relative to the reserved span (kept as the
	// block's base) for a position-independent program, as is otherwise.
	addr := func(v uint64) operand { return imm(v) }
	var lo uint64
	if prog.Dynamic {
		var hi uint64
		lo = ^uint64(0)
		for _, s := range prog.Loads {
			lo = min(lo, down(s.Vaddr))
			hi = max(hi, up(s.Vaddr+s.Memsz))
		}
		// Reserve the whole span first so that the segments keep their relative layout.
		calls = append(calls, injectedCall{nr: unix.SYS_MMAP, args: []operand{imm(0), imm(hi - lo), imm(unix.PROT_NONE),
			imm(unix.MAP_PRIVATE | unix.MAP_ANONYMOUS), imm(^uint64(0)), imm(0)}, keep: keepBase,
			what: fmt.Sprintf("reserve %d bytes for %s", hi-lo, plan.Host)})
		addr = func(v uint64) operand { return baseOff(v - lo) }
	}
	var tails []zeroSpan // file-page tails to zero: the bss starts inside the last file page
	for _, s := range prog.Loads {
		off := s.Vaddr % page
		fileEnd, memEnd := s.Vaddr+s.Filesz, s.Vaddr+s.Memsz
		if s.Filesz > 0 {
			calls = append(calls, injectedCall{nr: unix.SYS_MMAP, args: []operand{addr(s.Vaddr - off), imm(s.Filesz + off), imm(uint64(s.Prot)),
				imm(unix.MAP_PRIVATE | unix.MAP_FIXED), keptFD, imm(s.Offset - off)},
				what: fmt.Sprintf("map segment at %#x of %s", s.Vaddr, plan.Host)})
		}
		if s.Memsz > s.Filesz {
			anon := s.Vaddr - off
			if s.Filesz > 0 {
				anon = up(fileEnd)
				if fileEnd < anon {
					tails = append(tails, zeroSpan{start: addr(fileEnd), n: anon - fileEnd})
				}
			}
			if memEnd > anon {
				calls = append(calls, injectedCall{nr: unix.SYS_MMAP, args: []operand{addr(anon), imm(up(memEnd) - anon), imm(uint64(s.Prot)),
					imm(unix.MAP_PRIVATE | unix.MAP_FIXED | unix.MAP_ANONYMOUS), imm(^uint64(0)), imm(0)},
					what: "map the bss of " + plan.Host})
			}
		}
	}
	calls = append(calls, injectedCall{nr: unix.SYS_CLOSE, args: []operand{keptFD}, what: "close " + plan.Host})

	img.setAuxv(atPhent, prog.Phentsize)
	img.setAuxv(atPhnum, prog.Phnum)
	img.setAuxv(atBase, interpBias)
	if tr.seccomp && t.execFD == 0 {
		if at, room, ok := blockSlack(plan.Interp, interpBias, entry, page); ok {
			end := &blockEnd{at: at, zero: tails, resume: saved}
			if prog.Dynamic {
				for _, kv := range [][2]uint64{{atPhdr, prog.PhdrVaddr}, {atEntry, prog.Entry}} {
					key, v := kv[0], kv[1]
					if a, ok := img.auxvSlot(key); ok {
						end.stores = append(end.stores, wordStore{addr: a, val: baseOff(v - lo)})
					}
				}
			} else {
				img.setAuxv(atPhdr, prog.PhdrVaddr)
				img.setAuxv(atEntry, prog.Entry)
			}
			code, err := encodeBlock(calls, results, end)
			if err != nil {
				return err
			}
			if uint64(len(code)) <= room-at {
				img.writes = append(img.writes, memChunk{dataAddr, data})
				if err := writeCode(t.tid, at, code); err != nil {
					return err
				}
				r := saved
				r.setPC(at)
				if err := setRegs(t.tid, &r); err != nil {
					return err
				}
				t.loading = &loadingBlock{start: at, end: at + uint64(len(code)), calls: calls, results: results}
				tr.logf(2, "pid %d: %s loaded by a self-finishing block of %d bytes at %#x", t.tid, plan.Host, len(code), at)
				return nil
			}
		}
	}

	codeAddr, err := blockSite(plan.Interp, interpBias, entry)
	if err != nil {
		return err
	}
	if err := writeMem(t.tid, dataAddr, data); err != nil {
		return err
	}
	rets, err := runBlock(t, saved, codeAddr, calls, results)
	if err != nil {
		return err
	}
	tr.logf(2, "pid %d: %s loaded by a block that trapped back at %#x", t.tid, plan.Host, codeAddr)
	var reserved, base uint64 // where the span was reserved; the program's load bias
	if prog.Dynamic {
		reserved = rets[1]
		base = reserved - lo
	}
	for _, z := range tails {
		at := z.start.imm
		if z.start.kind == opBase {
			at += reserved
		}
		img.writes = append(img.writes, memChunk{at, make([]byte, z.n)})
	}
	img.setAuxv(atPhdr, base+prog.PhdrVaddr)
	img.setAuxv(atEntry, base+prog.Entry)
	return nil
}

// loadingBlock is a self-finishing loading block the task was sent into: a trap inside
// it is a failed call (loadFailed).
type loadingBlock struct {
	start, end uint64
	calls      []injectedCall
	results    uint64
}

// loadFailed handles a SIGTRAP stop of a task whose loading block trapped: one of its
// calls failed (its result says which), and the program cannot run. It reports false
// when the stop is not the block's.
func (tr *tracer) loadFailed(t *tracee) bool {
	b := t.loading
	if err := getRegs(t.tid, &t.regs); err != nil || t.regs.pc() < b.start || t.regs.pc() > b.end {
		return false
	}
	t.loading = nil
	out := make([]byte, 8*len(b.calls))
	err := readMem(t.tid, b.results, out)
	if err == nil {
		_, err = blockResults(b.calls, out)
	}
	tr.invariant(t, "load %s: %v", t.proc.exeHost, err)
	_ = unix.Kill(t.tid, unix.SIGKILL)
	return true
}

// blockSlack finds room for a self-finishing block after the end of the interpreter's
// executable segment (the one holding entry), up to the end of its last page: mapped
// executable with the segment (elf_map maps whole pages) and used by nothing, unless
// another segment shares that page.
func blockSlack(interp *binfmt.ELF, bias, entry, page uint64) (lo, hi uint64, ok bool) {
	for i, s := range interp.Loads {
		start, end := bias+s.Vaddr, bias+s.Vaddr+s.Filesz
		if s.Prot&unix.PROT_EXEC == 0 || entry < start || entry >= end || s.Memsz != s.Filesz {
			continue
		}
		lo, hi = (end+15)&^15, (end+page-1)&^(page-1)
		for j, o := range interp.Loads {
			if j != i && bias+o.Vaddr < hi && bias+o.Vaddr+o.Memsz > end&^(page-1) {
				return 0, 0, false
			}
		}
		return lo, hi, lo < hi
	}
	return 0, 0, false
}

// writeCode writes code at addr in the tracee (openMem).
func writeCode(tid int, addr uint64, code []byte) error {
	mem, err := openMem(tid, unix.O_WRONLY)
	if err != nil {
		return err
	}
	defer unix.Close(mem)
	return pwriteCode(mem, addr, code)
}

// blockSite picks where the loading block's code goes: at the interpreter's entry point
// (its first instruction has not run yet), or at the start of the executable segment
// holding it when the block would run past that segment's end.
func blockSite(interp *binfmt.ELF, bias, entry uint64) (uint64, error) {
	for _, s := range interp.Loads {
		lo, hi := bias+s.Vaddr, bias+s.Vaddr+s.Filesz
		if s.Prot&unix.PROT_EXEC == 0 || entry < lo || entry >= hi {
			continue
		}
		if hi-entry >= maxBlockCode {
			return entry, nil
		}
		if hi-lo >= maxBlockCode {
			return lo, nil
		}
		break
	}
	return 0, fmt.Errorf("no room for %d bytes of code in the interpreter's executable segment at %#x", maxBlockCode, entry)
}

// maxBlockCode bounds the loading block's code: 3 + 2*PT_LOADs calls of at most 7
// register loads (arm64: up to 4 instructions each) and 4 more instructions. Programs
// have a handful of PT_LOADs; 16 fit in 4 KiB on both architectures.
const maxBlockCode = 4096

// readAuxv finds the auxiliary vector above the initial stack pointer: argc, argv[],
// NULL, envp[], NULL, then (key, value) pairs up to AT_NULL. It returns the vector's
// address and its bytes, AT_NULL pair included, so that a change is written back in one
// call. It reads the stack in a few large reads (process_vm_readv stops at the end of the
// stack mapping, which is fine).
func readAuxv(tid int, sp uint64) (uint64, []byte, error) {
	buf := make([]byte, 0, 16384)
	words := func(i int) (uint64, error) {
		for (i+1)*8 > len(buf) {
			chunk := make([]byte, 4096)
			n := readMemPartial(tid, sp+uint64(len(buf)), chunk)
			if n <= 0 {
				return 0, unix.EFAULT
			}
			buf = append(buf, chunk[:n]...)
		}
		return binary.NativeEndian.Uint64(buf[i*8:]), nil
	}
	argc, err := words(0)
	if err != nil {
		return 0, nil, err
	}
	i := int(argc) + 2 // argc, argv[argc], NULL
	for {
		p, err := words(i)
		if err != nil {
			return 0, nil, err
		}
		i++
		if p == 0 {
			break
		}
	}
	start := i
	for ; ; i += 2 {
		k, err := words(i + 1) // the pair's value must be there too
		if err != nil {
			return 0, nil, err
		}
		if k, _ = words(i); k == atNull {
			break
		}
	}
	return sp + uint64(start)*8, buf[start*8 : (i+2)*8], nil
}

// auxvIndex is the offset of key's value in the vector auxv (-1 when absent).
func auxvIndex(auxv []byte, key uint64) int {
	for i := 0; i+16 <= len(auxv); i += 16 {
		if binary.NativeEndian.Uint64(auxv[i:]) == key {
			return i + 8
		}
	}
	return -1
}

// auxvValue returns key's value in the vector auxv (0 when absent).
func auxvValue(auxv []byte, key uint64) uint64 {
	if i := auxvIndex(auxv, key); i >= 0 {
		return binary.NativeEndian.Uint64(auxv[i:])
	}
	return 0
}

// setAuxv changes the values of the keys of set that auxv has.
func setAuxv(auxv []byte, set map[uint64]uint64) {
	for i := 0; i+16 <= len(auxv); i += 16 {
		if v, ok := set[binary.NativeEndian.Uint64(auxv[i:])]; ok {
			binary.NativeEndian.PutUint64(auxv[i+8:], v)
		}
	}
}

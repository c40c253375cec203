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

// loadProgram runs at the syscall-exit stop of an execve that the tracer pointed at the
// guest's ELF interpreter. The interpreter is loaded and about to run its first
// instruction; this maps the program's PT_LOAD segments as binfmt_elf would have
// (fs/binfmt_elf.c: elf_map, set_brk's zeroing of the bss), then rewrites the auxiliary
// vector so that the interpreter sees a kernel-loaded program and itself as its
// interpreter.
func (tr *tracer) loadProgram(t *tracee, plan *binfmt.Plan) error {
	if err := getRegs(t.tid, &t.regs); err != nil {
		return err
	}
	saved := t.regs
	sp, entry := saved.sp(), saved.pc()
	auxvAddr, auxv, err := readAuxv(t.tid, sp)
	if err != nil {
		return fmt.Errorf("read the auxiliary vector: %w", err)
	}
	in, err := newInjector(t, entry, saved)
	if err != nil {
		return err
	}
	defer in.finish()

	// The kernel grows the new stack by 128 KiB below the arguments at exec
	// (fs/exec.c setup_arg_pages, stack_expand), so this page is mapped and unused.
	pathAddr := (sp - 8192) &^ 15
	host := append([]byte(plan.Host), 0)
	if err := writeMem(t.tid, pathAddr, host); err != nil {
		return err
	}
	fd, err := in.call(unix.SYS_OPENAT, atFdcwdArg, pathAddr, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return fmt.Errorf("open %s: %w", plan.Host, err)
	}
	prog := plan.Program
	page := uint64(os.Getpagesize())
	down := func(v uint64) uint64 { return v &^ (page - 1) }
	up := func(v uint64) uint64 { return (v + page - 1) &^ (page - 1) }
	var base uint64
	if prog.Dynamic {
		lo, hi := ^uint64(0), uint64(0)
		for _, s := range prog.Loads {
			lo = min(lo, down(s.Vaddr))
			hi = max(hi, up(s.Vaddr+s.Memsz))
		}
		// Reserve the whole span first so that the segments keep their relative layout.
		addr, err := in.call(unix.SYS_MMAP, 0, hi-lo, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS, ^uint64(0), 0)
		if err != nil {
			return fmt.Errorf("reserve %d bytes for %s: %w", hi-lo, plan.Host, err)
		}
		base = addr - lo
	}
	for _, s := range prog.Loads {
		off := s.Vaddr % page
		start := base + s.Vaddr - off
		fileEnd := base + s.Vaddr + s.Filesz
		memEnd := base + s.Vaddr + s.Memsz
		if s.Filesz > 0 {
			if _, err := in.call(unix.SYS_MMAP, start, s.Filesz+off, uint64(s.Prot), unix.MAP_PRIVATE|unix.MAP_FIXED, fd, s.Offset-off); err != nil {
				return fmt.Errorf("map segment at %#x of %s: %w", s.Vaddr, plan.Host, err)
			}
		}
		if s.Memsz > s.Filesz {
			anon := start
			if s.Filesz > 0 {
				anon = up(fileEnd)
				if fileEnd < anon {
					// The bss starts inside the last file page: zero that page's tail.
					if err := writeMem(t.tid, fileEnd, make([]byte, anon-fileEnd)); err != nil {
						return fmt.Errorf("zero the bss of %s: %w", plan.Host, err)
					}
				}
			}
			if memEnd > anon {
				if _, err := in.call(unix.SYS_MMAP, anon, up(memEnd)-anon, uint64(s.Prot), unix.MAP_PRIVATE|unix.MAP_FIXED|unix.MAP_ANONYMOUS, ^uint64(0), 0); err != nil {
					return fmt.Errorf("map the bss of %s: %w", plan.Host, err)
				}
			}
		}
	}
	if _, err := in.call(unix.SYS_CLOSE, fd); err != nil {
		return err
	}
	interpBias := auxv[atEntry] - plan.Interp.Entry
	set := map[uint64]uint64{
		atPhdr:  base + prog.PhdrVaddr,
		atPhent: prog.Phentsize,
		atPhnum: prog.Phnum,
		atEntry: base + prog.Entry,
		atBase:  interpBias,
	}
	for i := uint64(0); ; i += 2 {
		key, err := readUint64(t.tid, auxvAddr+i*8)
		if err != nil {
			return err
		}
		if key == atNull {
			break
		}
		if v, ok := set[key]; ok {
			if err := writeUint64(t.tid, auxvAddr+i*8+8, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// readAuxv finds the auxiliary vector above the initial stack pointer: argc, argv[],
// NULL, envp[], NULL, then (key, value) pairs up to AT_NULL. It reads the stack in a few
// large reads (process_vm_readv stops at the end of the stack mapping, which is fine).
func readAuxv(tid int, sp uint64) (uint64, map[uint64]uint64, error) {
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
	auxv := make(map[uint64]uint64)
	for ; ; i += 2 {
		k, err := words(i)
		if err != nil {
			return 0, nil, err
		}
		if k == atNull {
			break
		}
		v, err := words(i + 1)
		if err != nil {
			return 0, nil, err
		}
		auxv[k] = v
	}
	return sp + uint64(start)*8, auxv, nil
}

// injector makes a stopped tracee run system calls for the tracer: it writes a syscall
// instruction and a trap at pc, sets the registers, and lets the tracee run to the trap.
// Signals that arrive meanwhile are queued again afterwards.
type injector struct {
	t     *tracee
	pc    uint64
	saved regs
	code  []byte
	sigs  []unix.Signal
}

func newInjector(t *tracee, pc uint64, saved regs) (*injector, error) {
	in := &injector{t: t, pc: pc, saved: saved, code: make([]byte, 16)}
	if err := readMem(t.tid, pc, in.code); err != nil {
		return nil, err
	}
	patch := append([]byte(nil), in.code...)
	copy(patch, syscallInsn)
	if err := writeMem(t.tid, pc, patch); err != nil {
		return nil, fmt.Errorf("write the syscall instruction at %#x: %w", pc, err)
	}
	return in, nil
}

func (in *injector) call(nr int, args ...uint64) (uint64, error) {
	tid := in.t.tid
	r := in.saved
	r.prepareInjection(in.pc, nr, args...)
	if err := setRegs(tid, &r); err != nil {
		return 0, err
	}
	// The tracee runs the syscall and stops at the trap instruction after it: one stop
	// per injected syscall (plus a seccomp stop for the ones the filter traces).
	for {
		if err := ptrace(unix.PTRACE_CONT, tid, 0, 0); err != nil {
			return 0, err
		}
		var ws unix.WaitStatus
		if _, err := unix.Wait4(tid, &ws, unix.WALL, nil); err != nil {
			return 0, err
		}
		if !ws.Stopped() {
			in.t.tr.reaped(tid, ws)
			return 0, unix.ESRCH
		}
		sig := ws.StopSignal()
		if sig == unix.SIGTRAP && int(ws>>16)&0xff == 0 {
			break
		}
		if int(ws>>16)&0xff == 0 && sig != unix.SIGTRAP|0x80 {
			in.sigs = append(in.sigs, sig)
		}
		// Event stops (seccomp) on the way: step on.
	}
	if err := getRegs(tid, &r); err != nil {
		return 0, err
	}
	ret := r.ret()
	if ret < 0 && ret > -4096 {
		return 0, unix.Errno(-ret)
	}
	return uint64(ret), nil
}

// finish puts back the code and the registers, and queues the signals that arrived.
func (in *injector) finish() {
	tid := in.t.tid
	_ = writeMem(tid, in.pc, in.code)
	_ = setRegs(tid, &in.saved)
	in.t.regs = in.saved
	for _, s := range in.sigs {
		_ = unix.Tgkill(in.t.proc.tgid, tid, s)
	}
}

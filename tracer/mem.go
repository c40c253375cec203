package tracer

import (
	"bytes"
	"fmt"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pathMax is PATH_MAX including the terminating NUL (include/uapi/linux/limits.h).
const pathMax = 4096

// readMem reads len(buf) bytes at addr in the tracee. process_vm_readv (Linux 3.2) moves
// the whole range in one call; PTRACE_PEEKDATA, a word at a time, is the fallback.
func readMem(tid int, addr uint64, buf []byte) error {
	if len(buf) == 0 {
		return nil
	}
	local := []unix.Iovec{{Base: &buf[0], Len: uint64(len(buf))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMReadv(tid, local, remote, 0)
	if err == nil && n == len(buf) {
		return nil
	}
	if _, perr := unix.PtracePeekData(tid, uintptr(addr), buf); perr != nil {
		return fmt.Errorf("read %d bytes at %#x in pid %d: %w", len(buf), addr, tid, perr)
	}
	return nil
}

// readMemPartial reads up to len(buf) bytes at addr and returns how many it could: a read
// that runs past the end of a mapping stops there.
func readMemPartial(tid int, addr uint64, buf []byte) int {
	local := []unix.Iovec{{Base: &buf[0], Len: uint64(len(buf))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(buf)}}
	n, err := unix.ProcessVMReadv(tid, local, remote, 0)
	if err != nil {
		if readMem(tid, addr, buf[:8]) == nil {
			return 8
		}
		return 0
	}
	return n
}

// writeMem writes data at addr in the tracee. process_vm_writev cannot write read-only
// pages; PTRACE_POKEDATA (FOLL_FORCE) can, so it is the fallback.
func writeMem(tid int, addr uint64, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	local := []unix.Iovec{{Base: &data[0], Len: uint64(len(data))}}
	remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(data)}}
	n, err := unix.ProcessVMWritev(tid, local, remote, 0)
	if err == nil && n == len(data) {
		return nil
	}
	if _, perr := unix.PtracePokeData(tid, uintptr(addr), data); perr != nil {
		return fmt.Errorf("write %d bytes at %#x in pid %d: %w", len(data), addr, tid, perr)
	}
	return nil
}

// readString reads a NUL-terminated string of at most pathMax bytes. It reads page by
// page: a single read that crosses into an unmapped page fails as a whole.
func readString(tid int, addr uint64, buf []byte) (string, error) {
	return readStringMax(tid, addr, buf, pathMax)
}

// argStrMax is MAX_ARG_STRLEN (32 pages), the longest argv or envp string execve takes.
const argStrMax = 32 * 4096

// firstRead is how much of a string the first read takes: most paths are shorter, and
// process_vm_readv costs by the size it pins and copies (here 1.8 us for 256 bytes, 2.4 us
// for 4 KiB; the rest of the string, if any, is read a page at a time).
const firstRead = 256

// readStringMax reads a NUL-terminated string of at most max bytes (ENAMETOOLONG beyond).
func readStringMax(tid int, addr uint64, buf []byte, max int) (string, error) {
	if addr == 0 {
		return "", unix.EFAULT
	}
	out := buf[:0]
	for len(out) < max {
		chunk := int(4096 - addr%4096)
		if len(out) == 0 && chunk > firstRead {
			chunk = firstRead
		}
		if chunk > max-len(out) {
			chunk = max - len(out)
		}
		start := len(out)
		out = slices.Grow(out, chunk)[:start+chunk]
		if err := readMem(tid, addr, out[start:]); err != nil {
			return "", unix.EFAULT
		}
		if i := bytes.IndexByte(out[start:], 0); i >= 0 {
			return string(out[:start+i]), nil
		}
		addr += uint64(chunk)
	}
	return "", unix.ENAMETOOLONG
}

// memWindow is tracee memory read once at a stop, kept so that strings inside it are
// not read again.
type memWindow struct {
	addr uint64
	data []byte
}

// str is the NUL-terminated string at p when the window holds all of it.
func (w memWindow) str(p uint64) (string, bool) {
	if p < w.addr || p >= w.addr+uint64(len(w.data)) {
		return "", false
	}
	rest := w.data[p-w.addr:]
	if i := bytes.IndexByte(rest, 0); i >= 0 {
		return string(rest[:i]), true
	}
	return "", false
}

// readStringWindow is readString, also returning the memory its first read covered (from
// addr to the end of its page).
func readStringWindow(tid int, addr uint64, buf []byte) (string, memWindow, error) {
	if addr == 0 {
		return "", memWindow{}, unix.EFAULT
	}
	chunk := int(4096 - addr%4096)
	first := make([]byte, chunk)
	if readMem(tid, addr, first) == nil {
		w := memWindow{addr: addr, data: first}
		if s, ok := w.str(addr); ok {
			return s, w, nil
		}
	}
	s, err := readString(tid, addr, buf)
	return s, memWindow{}, err
}

func readUint64(tid int, addr uint64) (uint64, error) {
	var v uint64
	b := unsafe.Slice((*byte)(unsafe.Pointer(&v)), 8)
	err := readMem(tid, addr, b)
	return v, err
}

func writeUint64(tid int, addr uint64, v uint64) error {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&v)), 8)
	return writeMem(tid, addr, b)
}

// atFdcwdArg is AT_FDCWD (-100) as a register value.
const atFdcwdArg = ^uint64(99)

// memChunk is bytes to write at an address in a tracee.
type memChunk struct {
	addr uint64
	data []byte
}

// writeMemV writes every chunk in one process_vm_writev, or one chunk at a time
// (writeMem, with its fallback) when that does not write them all.
func writeMemV(tid int, chunks []memChunk) error {
	local := make([]unix.Iovec, 0, len(chunks))
	remote := make([]unix.RemoteIovec, 0, len(chunks))
	total := 0
	for _, c := range chunks {
		if len(c.data) == 0 {
			continue
		}
		local = append(local, unix.Iovec{Base: &c.data[0], Len: uint64(len(c.data))})
		remote = append(remote, unix.RemoteIovec{Base: uintptr(c.addr), Len: len(c.data)})
		total += len(c.data)
	}
	if total == 0 {
		return nil
	}
	if n, err := unix.ProcessVMWritev(tid, local, remote, 0); err == nil && n == total {
		return nil
	}
	for _, c := range chunks {
		if err := writeMem(tid, c.addr, c.data); err != nil {
			return err
		}
	}
	return nil
}

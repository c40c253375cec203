package tracer

import "fmt"

// Auxiliary vector keys (include/uapi/linux/auxvec.h).
const (
	atHWCAP  = 16
	atExecfn = 31
	atUID    = 11
	atEUID   = 12
	atGID    = 13
	atEGID   = 14
)

// execImage is what the tracer reads of a new program image at its exec event (the
// registers and the auxiliary vector, read once and only when needed) and what it writes
// into it, in one process_vm_writev before the task resumes (flush): an exec must stay
// cheap.
type execImage struct {
	loaded   bool
	regs     regs
	auxvAddr uint64
	auxv     []byte
	auxvSet  map[uint64]uint64
	writes   []memChunk
}

// load reads the registers and the auxiliary vector: at PTRACE_EVENT_EXEC the new stack
// is in place and sp points to argc.
func (img *execImage) load(t *tracee) error {
	if img.loaded {
		return nil
	}
	if err := getRegs(t.tid, &img.regs); err != nil {
		return err
	}
	addr, auxv, err := readAuxv(t.tid, img.regs.sp())
	if err != nil {
		return fmt.Errorf("read the auxiliary vector: %w", err)
	}
	img.auxvAddr, img.auxv, img.loaded = addr, auxv, true
	return nil
}

// setAuxv sets key's value in the vector when it is written back.
func (img *execImage) setAuxv(key, v uint64) {
	if img.auxvSet == nil {
		img.auxvSet = map[uint64]uint64{}
	}
	img.auxvSet[key] = v
}

// auxvSlot is the address of key's value in the tracee's vector.
func (img *execImage) auxvSlot(key uint64) (uint64, bool) {
	if i := auxvIndex(img.auxv, key); i >= 0 {
		return img.auxvAddr + uint64(i), true
	}
	return 0, false
}

// flush makes the writes gathered, the changed auxiliary vector included.
func (img *execImage) flush(t *tracee) error {
	if len(img.auxvSet) > 0 {
		setAuxv(img.auxv, img.auxvSet)
		img.writes = append(img.writes, memChunk{img.auxvAddr, img.auxv})
	}
	return writeMemV(t.tid, img.writes)
}

// patchAuxv gathers what the auxiliary vector of the program the task just executed
// must say for the guest: fake root's ids (the kernel put the real ones, and ld.so's
// LD_SHOW_AUXV and getauxval(AT_UID) read them), -k's AT_HWCAP, and the file name
// AT_EXECFN points to, which is the execve path the kernel got (fs/exec.c copies
// bprm->filename to the top of the stack): the host path the tracer passed, rewritten in
// place with the guest's own when that is not longer (it seldom is: the tracer's is a
// scratch link or a host path).
func (tr *tracer) patchAuxv(t *tracee, img *execImage) {
	name := t.execFilename
	t.execFilename = ""
	fixName := name != "" && name != t.execTarget && len(name) <= len(t.execTarget)
	ids := tr.fake != nil
	hwcap := tr.cfg.Kernel != nil && tr.cfg.Kernel.Full
	if !ids && !hwcap && !fixName {
		return
	}
	if img.load(t) != nil {
		return
	}
	if fixName {
		if p := auxvValue(img.auxv, atExecfn); p != 0 {
			img.writes = append(img.writes, memChunk{p, append([]byte(name), 0)})
		}
	}
	if ids {
		img.setAuxv(atUID, uint64(t.creds.RUID))
		img.setAuxv(atEUID, uint64(t.creds.EUID))
		img.setAuxv(atGID, uint64(t.creds.RGID))
		img.setAuxv(atEGID, uint64(t.creds.EGID))
	}
	if hwcap {
		img.setAuxv(atHWCAP, tr.cfg.Kernel.HWCap)
	}
}

package tracer

// Auxiliary vector keys (include/uapi/linux/auxvec.h).
const (
	atHWCAP  = 16
	atExecfn = 31
	atUID    = 11
	atEUID   = 12
	atGID    = 13
	atEGID   = 14
)

// patchAuxv writes into the auxiliary vector of the program the task just executed (at
// PTRACE_EVENT_EXEC the new stack is in place and sp points to argc) what the kernel
// would have put there for the guest: fake root's ids (the kernel put the real ones, and
// ld.so's LD_SHOW_AUXV and getauxval(AT_UID) read them), -k's AT_HWCAP, and the file name
// AT_EXECFN points to, which is the execve path the kernel got (fs/exec.c copies
// bprm->filename to the top of the stack): the host path the tracer passed, rewritten in
// place with the guest's own when that is not longer (it seldom is: the tracer's is a
// scratch link or a host path).
func (tr *tracer) patchAuxv(t *tracee) {
	vals := map[uint64]uint64{}
	if tr.fake != nil {
		vals[atUID], vals[atEUID] = uint64(t.creds.RUID), uint64(t.creds.EUID)
		vals[atGID], vals[atEGID] = uint64(t.creds.RGID), uint64(t.creds.EGID)
	}
	if k := tr.cfg.Kernel; k != nil && k.Full {
		vals[atHWCAP] = k.HWCap
	}
	name := t.execFilename
	t.execFilename = ""
	fixName := name != "" && name != t.execTarget && len(name) <= len(t.execTarget)
	if len(vals) == 0 && !fixName {
		return
	}
	var r regs
	if getRegs(t.tid, &r) != nil {
		return
	}
	addr, auxv, err := readAuxv(t.tid, r.sp())
	if err != nil {
		return
	}
	if fixName {
		if p := auxvValue(auxv, atExecfn); p != 0 {
			_ = writeMem(t.tid, p, append([]byte(name), 0))
		}
	}
	if len(vals) == 0 {
		return
	}
	// One read of the whole vector, one write back: an exec must stay cheap.
	setAuxv(auxv, vals)
	_ = writeMem(t.tid, addr, auxv)
}

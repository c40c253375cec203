package binfmt

// ELF64 ABI constants, spelled as in include/uapi/linux/elf.h.
const (
	elfMag     = "\x7fELF" // ELFMAG, the first SELFMAG bytes of e_ident
	eiClass    = 4         // EI_CLASS: index of the class byte in e_ident
	elfClass64 = 2         // ELFCLASS64
	etExec     = 2         // ET_EXEC
	etDyn      = 3         // ET_DYN
	emX8664    = 62        // EM_X86_64
	emAarch64  = 183       // EM_AARCH64
	ptLoad     = 1         // PT_LOAD
	ptInterp   = 3         // PT_INTERP
	ptPhdr     = 6         // PT_PHDR
	pfX        = 1         // PF_X
	pfW        = 2         // PF_W
	pfR        = 4         // PF_R
	elf64Ehdr  = 64        // sizeof(Elf64_Ehdr)
	elf64Phdr  = 56        // sizeof(Elf64_Phdr)
	phdrsMax   = 65536     // load_elf_phdrs refuses a larger program header table
)

// Field offsets in Elf64_Ehdr and Elf64_Phdr.
const (
	ehType      = 16
	ehMachine   = 18
	ehEntry     = 24
	ehPhoff     = 32
	ehPhentsize = 54
	ehPhnum     = 56

	phType   = 0
	phFlags  = 4
	phOffset = 8
	phVaddr  = 16
	phFilesz = 32
	phMemsz  = 40
	phAlign  = 48
)

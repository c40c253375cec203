package binfmt

import "debug/elf"

// nativeMachine is the ELF e_machine this kernel executes.
const nativeMachine = elf.EM_X86_64

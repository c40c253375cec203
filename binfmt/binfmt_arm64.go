package binfmt

// nativeMachine is the ELF e_machine this kernel executes.
const nativeMachine = emAarch64

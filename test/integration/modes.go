package integration

// defaultModes are the engines the suite runs when GROOT_MODES is not set. The namespace
// engine runs every case too.
const defaultModes = "ptrace,ptrace-noseccomp,userns"

package integration

// defaultModes are the engines the suite runs when GROOT_MODES is not set. The namespace
// engine joins once it lands.
const defaultModes = "ptrace,ptrace-noseccomp"

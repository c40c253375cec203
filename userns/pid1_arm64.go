package userns

// pid1ELF: no assembled init for arm64 yet (it needs the qemu tests of the arm64 issue);
// the Go init (initMain) stands in, whose threads take the first PIDs.
var pid1ELF []byte

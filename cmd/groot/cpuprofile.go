//go:build !groot_pprof

package main

import (
	"fmt"
	"os"
)

// profiled runs run without a profile: runtime/pprof is left out of the release binary.
// It brings compress/gzip, text/tabwriter and their package initialisation into every
// start of groot; leaving it, debug/elf and crypto/rand out saved 31 page faults per
// start (12 us each on the VM where it was measured) and 0.8 MB of binary.
// Build with -tags groot_pprof for GROOT_CPUPROFILE.
func profiled(file string, run func() int) int {
	fmt.Fprintf(os.Stderr, "groot: GROOT_CPUPROFILE=%s ignored: this groot was built without -tags groot_pprof\n", file)
	return run()
}

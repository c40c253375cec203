//go:build groot_pprof

package main

import (
	"os"
	"runtime/pprof"
)

// profiled runs run while writing groot's own CPU profile to file, for tuning the tracer
// (go tool pprof).
func profiled(file string, run func() int) int {
	out, err := os.Create(file)
	if err != nil {
		return run()
	}
	_ = pprof.StartCPUProfile(out)
	status := run()
	pprof.StopCPUProfile()
	out.Close()
	return status
}

package tracer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// statBytes is st as the kernel's struct stat for this architecture (x/sys's Stat_t is
// that struct), for writing into a tracee.
func statBytes(st *unix.Stat_t) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(st)), unsafe.Sizeof(*st))
}

// statxBytes is stx as the kernel's struct statx.
func statxBytes(stx *unix.Statx_t) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(stx)), unsafe.Sizeof(*stx))
}

package tracer

import "unsafe"

// unsafePointer passes the address of a kernel ABI struct to a raw syscall.
func unsafePointer[T any](p *T) unsafe.Pointer { return unsafe.Pointer(p) }

package creds

import "unsafe"

// unsafeSlice is the address of g's first element, for a raw setgroups(2).
func unsafeSlice(g []uint32) unsafe.Pointer { return unsafe.Pointer(&g[0]) }

package tracer

// spinInsn is `b .` (0x14000000, little-endian): a handed-over task spins on it
// (threads.go).
var spinInsn = []byte{0x00, 0x00, 0x00, 0x14}

package tracer

// spinInsn is `jmp .` (EB FE): a handed-over task spins on it (threads.go).
var spinInsn = []byte{0xeb, 0xfe}

package tracer

import (
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// kernelRelease is the running kernel's release (uname -r) and its major and minor
// numbers, read once.
var kernelRelease = sync.OnceValues(func() (string, [2]int) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", [2]int{}
	}
	rel := unix.ByteSliceToString(u.Release[:])
	var v [2]int
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) >= 2 {
		v[0], _ = strconv.Atoi(parts[0])
		v[1], _ = strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	}
	return rel, v
})

// kernelAtLeast reports whether the running kernel is Linux major.minor or later.
func kernelAtLeast(major, minor int) bool {
	_, v := kernelRelease()
	return v[0] > major || v[0] == major && v[1] >= minor
}

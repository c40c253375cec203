package tracer

import (
	"os"
	"path/filepath"

	"github.com/groot-sandbox/groot/bindings"
	"golang.org/x/sys/unix"
)

// makeMountPoints gives each binding whose guest path the rootfs lacks, in a directory
// of the rootfs's own, an empty entry of its kind there for the run, so that listings
// of that directory (ls, globs, find) show it, as PRoot does (its glue: empty entries of
// mode 0, removed at exit). The tracer resolves such paths through the binding table,
// never to the entry itself. Directories deeper down the glue already lists
// (Table.AddGlue). Where the rootfs's directory is not writable, nothing is made. It
// returns what it made, for removeMountPoints.
func makeMountPoints(table *bindings.Table) []string {
	var made []string
	rootfs := table.Rootfs()
	for _, b := range table.All() {
		if b.Guest == "/" {
			continue
		}
		if _, parent := table.GuestToHost(filepath.Dir(b.Guest)); parent == nil || parent.Guest != "/" {
			continue // listed by glue, or inside another binding
		}
		entry := filepath.Join(rootfs, b.Guest)
		if _, err := os.Lstat(entry); err == nil {
			continue
		}
		st, err := os.Stat(b.Host)
		if err != nil {
			continue
		}
		if st.IsDir() {
			err = unix.Mkdir(entry, 0)
		} else {
			var fd int
			fd, err = unix.Open(entry, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(fd)
			}
		}
		if err == nil {
			made = append(made, entry)
		}
	}
	return made
}

// removeMountPoints removes the entries makeMountPoints made, where they are still
// empty (the guest never reaches them, but another process might have).
func removeMountPoints(made []string) {
	for i := len(made) - 1; i >= 0; i-- {
		var st unix.Stat_t
		if unix.Lstat(made[i], &st) != nil {
			continue
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			_ = unix.Rmdir(made[i]) // fails when not empty
		} else if st.Size == 0 {
			_ = unix.Unlink(made[i])
		}
	}
}

package ownership

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func stat(t *testing.T, path string) (Key, Attr) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		t.Fatal(err)
	}
	return Key{uint64(st.Dev), st.Ino}, Attr{UID: st.Uid, GID: st.Gid, Mode: st.Mode, Rdev: uint64(st.Rdev)}
}

func view(t *testing.T, tab *Table, path string) Attr {
	k, a := stat(t, path)
	tab.View(k, &a)
	return a
}

// TestViewAndPersistence follows one file through chown, a refused chmod, mknod, rename
// and deletion, and a database saved by one table and loaded by the next.
func TestViewAndPersistence(t *testing.T) {
	dir := t.TempDir()
	real := uint32(os.Getuid())
	realG := uint32(os.Getgid())
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tab := New(real, realG, 0, 0)
	if a := view(t, tab, f); a.UID != 0 || a.GID != 0 {
		t.Fatalf("default view of the real user's file: %d:%d, want 0:0", a.UID, a.GID)
	}
	k, a := stat(t, f)
	tab.Chown(k, f, a, 123, Keep)
	if a := view(t, tab, f); a.UID != 123 || a.GID != 0 {
		t.Fatalf("after chown 123: %d:%d", a.UID, a.GID)
	}
	tab.Chown(k, f, a, 0, 0)
	if tab.Len() != 0 {
		t.Fatalf("chown back to the default view keeps %d entries", tab.Len())
	}
	tab.Chown(k, f, a, 123, 456)
	tab.Chmod(k, f, a, 04755, true)
	dev := filepath.Join(dir, "null")
	if err := os.WriteFile(dev, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dk, _ := stat(t, dev)
	tab.Mknod(dk, dev, unix.S_IFCHR|0o666, unix.Mkdev(1, 3))

	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(sub, "g")
	if err := os.Rename(f, moved); err != nil {
		t.Fatal(err)
	}
	tab.Renamed(f, moved)
	if err := os.Rename(sub, sub+"2"); err != nil {
		t.Fatal(err)
	}
	if !tab.HoldsBelow(sub) {
		t.Fatal("HoldsBelow misses an entry under a renamed directory")
	}
	tab.Renamed(sub, sub+"2")
	moved = filepath.Join(sub+"2", "g")

	db := filepath.Join(dir, "db")
	if err := tab.Save(db); err != nil {
		t.Fatal(err)
	}
	next := New(real, realG, 0, 0)
	if err := next.Load(db); err != nil {
		t.Fatal(err)
	}
	if a := view(t, next, moved); a.UID != 123 || a.GID != 456 || a.Mode != unix.S_IFREG|04755 {
		data, _ := os.ReadFile(db)
		t.Fatalf("after reload: %d:%d %o\n%s", a.UID, a.GID, a.Mode, data)
	}
	if a := view(t, next, dev); a.Mode != unix.S_IFCHR|0o666 || a.Rdev != unix.Mkdev(1, 3) {
		t.Fatalf("device after reload: %o %d", a.Mode, a.Rdev)
	}
	// The file deleted: its entry goes, and a missing path is dropped at load.
	mk, _ := stat(t, moved)
	next.Remove(mk)
	os.Remove(dev)
	if err := next.Save(db); err != nil {
		t.Fatal(err)
	}
	last := New(real, realG, 0, 0)
	if err := last.Load(db); err != nil {
		t.Fatal(err)
	}
	if last.Len() != 0 {
		data, _ := os.ReadFile(db)
		t.Fatalf("deleted files still in the database:\n%s", data)
	}
}

func TestLoadRejectsGarbage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	for _, bad := range []string{"1 2 644 0", "x 2 644 0 \"/a\"", "1 2 9z 0 \"/a\"", "1 2 644 0 relative"} {
		os.WriteFile(db, []byte(bad+"\n"), 0o644)
		err := New(0, 0, 0, 0).Load(db)
		if err == nil || !strings.Contains(err.Error(), "db:1") {
			t.Errorf("%q: error %v, want one naming the file and line", bad, err)
		}
	}
}

func TestExecOwner(t *testing.T) {
	tb := New(1000, 1000, 123, 456)
	k := Key{Dev: 1, Ino: 2}
	real := Attr{UID: 1000, GID: 1000, Mode: 0o104755}
	if u, g := tb.ExecOwner(k, real); u != 0 || g != 0 {
		t.Errorf("the real user's file: %d:%d, want root's 0:0", u, g)
	}
	if u, g := tb.ExecOwner(k, Attr{UID: 33, GID: 44}); u != 33 || g != 44 {
		t.Errorf("another user's file: %d:%d, want 33:44", u, g)
	}
	tb.Chown(k, "/x", real, 7, Keep)
	if u, g := tb.ExecOwner(k, real); u != 7 || g != 0 {
		t.Errorf("after chown 7: %d:%d, want 7:0", u, g)
	}
}

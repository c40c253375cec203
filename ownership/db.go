package ownership

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The database (--fake-db) is a text file, one inode a line:
//
//	uid gid mode rdev "host path"
//
// uid and gid are "-" when not held, mode is octal (0: not held). An inode is found again
// by its path: inode numbers are not stable when a tree is copied or its file system
// remounted, paths are, and the guest's renames during a run are followed (Renamed), so
// the path written at the end of a run is where the file is. A path that no longer exists
// when the database is loaded is dropped.
const dbHeader = "# groot fake ownership database v1: uid gid mode rdev path"

// Load adds the database file's entries to t. A missing file is an empty database.
func (t *Table) Load(file string) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("fake database: %w", err)
	}
	defer f.Close()
	// A shared lock waits for a run that is writing the file.
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
		return fmt.Errorf("fake database %s: flock: %w", file, err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		e, err := parseLine(line)
		if err != nil {
			return fmt.Errorf("fake database %s:%d: %w", file, n, err)
		}
		var st unix.Stat_t
		if unix.Lstat(e.path, &st) != nil {
			continue
		}
		t.entries[Key{uint64(st.Dev), st.Ino}] = e
		t.groups = t.groups || e.hasGID
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("fake database %s: %w", file, err)
	}
	return nil
}

func parseLine(line string) (*entry, error) {
	f := strings.SplitN(line, " ", 5)
	if len(f) != 5 {
		return nil, fmt.Errorf("want 5 fields, got %q", line)
	}
	e := &entry{}
	var err error
	id := func(s string) (uint32, bool) {
		if s == "-" {
			return 0, false
		}
		v, perr := strconv.ParseUint(s, 10, 32)
		if perr != nil {
			err = fmt.Errorf("bad id %q", s)
		}
		return uint32(v), true
	}
	e.uid, e.hasUID = id(f[0])
	e.gid, e.hasGID = id(f[1])
	mode, merr := strconv.ParseUint(f[2], 8, 32)
	rdev, rerr := strconv.ParseUint(f[3], 10, 64)
	path, perr := strconv.Unquote(f[4])
	switch {
	case err != nil:
		return nil, err
	case merr != nil:
		return nil, fmt.Errorf("bad mode %q", f[2])
	case rerr != nil:
		return nil, fmt.Errorf("bad rdev %q", f[3])
	case perr != nil || !filepath.IsAbs(path):
		return nil, fmt.Errorf("bad path %s", f[4])
	}
	e.mode, e.rdev, e.path = uint32(mode), rdev, path
	return e, nil
}

// Save writes the table to the database file: a new file renamed over the old one, so a
// reader sees either the old or the new database, never half of one.
func (t *Table) Save(file string) error {
	if !t.changed {
		if _, err := os.Stat(file); err == nil {
			return nil
		}
	}
	dir := filepath.Dir(file)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(file)+".*")
	if err != nil {
		return fmt.Errorf("fake database: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	fmt.Fprintln(w, dbHeader)
	for _, k := range t.keysByPath() {
		e := t.entries[k]
		id := func(v uint32, ok bool) string {
			if !ok {
				return "-"
			}
			return strconv.FormatUint(uint64(v), 10)
		}
		fmt.Fprintf(w, "%s %s %o %d %s\n", id(e.uid, e.hasUID), id(e.gid, e.hasGID), e.mode, e.rdev, strconv.Quote(e.path))
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return fmt.Errorf("fake database %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("fake database %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("fake database %s: %w", tmp.Name(), err)
	}
	// An exclusive lock on the old file keeps a concurrent Load from reading it while it
	// is replaced; the rename itself is atomic.
	if old, err := os.Open(file); err == nil {
		defer old.Close()
		_ = unix.Flock(int(old.Fd()), unix.LOCK_EX)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("fake database: %w", err)
	}
	t.changed = false
	return nil
}

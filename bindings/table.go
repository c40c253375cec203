package bindings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Parse parses one -b/-m argument, "HOST[:GUEST]" with an optional trailing "!" on GUEST
// (no GUEST means the same path as HOST). A relative HOST is resolved against cwd and
// dereferenced; a relative GUEST is an error. The host path must exist (the error names
// it). Dereferencing the guest location needs the rootfs: see package pathmap's
// Canonical.
func Parse(spec, cwd string) (Binding, error) {
	host, guest, hasGuest := strings.Cut(spec, ":")
	if host == "" {
		return Binding{}, fmt.Errorf("binding %q: empty host path", spec)
	}
	noFollow := false
	if hasGuest {
		if g, ok := strings.CutSuffix(guest, "!"); ok {
			guest, noFollow = g, true
		}
		if guest == "" {
			return Binding{}, fmt.Errorf("binding %q: empty guest path", spec)
		}
		if !strings.HasPrefix(guest, "/") {
			return Binding{}, fmt.Errorf("binding %q: guest path %q is not absolute", spec, guest)
		}
	}
	if !filepath.IsAbs(host) {
		host = filepath.Join(cwd, host)
	}
	host = filepath.Clean(host)
	if !hasGuest {
		guest = host
	}
	if _, err := os.Lstat(host); err != nil {
		return Binding{}, fmt.Errorf("binding %q: host path %s: %w", spec, host, errors.Unwrap(err))
	}
	real, err := filepath.EvalSymlinks(host)
	if err != nil {
		return Binding{}, fmt.Errorf("binding %q: host path %s: %w", spec, host, err)
	}
	return Binding{Host: real, Guest: filepath.Clean(guest), NoFollow: noFollow}, nil
}

// presets are PRoot's -R and -S bindings (proot(1), "-R path" and "-S path"); $HOME is
// added by Preset.
var presets = map[string][]string{
	"R": {"/etc/host.conf", "/etc/hosts", "/etc/hosts.equiv", "/etc/mtab", "/etc/netgroup",
		"/etc/networks", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/resolv.conf",
		"/etc/localtime", "/dev", "/sys", "/proc", "/tmp", "/run", "/var/run/dbus/system_bus_socket"},
	"S": {"/etc/host.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/resolv.conf", "/dev", "/sys",
		"/proc", "/tmp", "/run/shm"},
}

// Preset returns PRoot's -R ("R") or -S ("S") preset bindings for the given $HOME, with
// every binding whose host path does not exist left out (as PRoot does).
func Preset(name, home string) []Binding {
	paths := append([]string(nil), presets[name]...)
	// A $HOME of "/" would bind the host's root over the rootfs itself.
	if home != "" && filepath.Clean(home) != "/" {
		paths = append(paths, home)
	}
	var out []Binding
	for _, p := range paths {
		if b, err := Parse(p, "/"); err == nil {
			// The guest path is the preset's own name even when the host side is a
			// symlink (e.g. /etc/mtab -> ../proc/self/mounts).
			b.Guest = filepath.Clean(p)
			out = append(out, b)
		}
	}
	return out
}

// Table is the binding table of one run.
type Table struct {
	rootfs string
	// byGuest is sorted by guest path length, longest first; byHost by host path length,
	// longest first, with the rootfs last. Lookups walk them in order: the first match
	// is the most specific.
	byGuest []Binding
	byHost  []Binding
}

// New builds the table: rootfs (host directory, must exist) is bound at "/", then binds in
// order; a later binding of the same guest path replaces an earlier one.
func New(rootfs string, binds []Binding) (*Table, error) {
	abs, err := filepath.Abs(rootfs)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", rootfs, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", rootfs, errors.Unwrap(err))
	}
	st, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("rootfs %s: %w", rootfs, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("rootfs %s: not a directory", rootfs)
	}
	t := &Table{rootfs: real}
	all := []Binding{{Host: real, Guest: "/"}}
	for _, b := range binds {
		b.Guest = filepath.Clean(b.Guest)
		replaced := false
		for i := range all {
			if all[i].Guest == b.Guest {
				all[i], replaced = b, true
			}
		}
		if !replaced {
			all = append(all, b)
		}
	}
	t.set(all)
	return t, nil
}

func (t *Table) set(all []Binding) {
	t.byGuest = append([]Binding(nil), all...)
	sort.SliceStable(t.byGuest, func(i, j int) bool { return len(t.byGuest[i].Guest) > len(t.byGuest[j].Guest) })
	t.byHost = append([]Binding(nil), all...)
	sort.SliceStable(t.byHost, func(i, j int) bool {
		// The rootfs is the least specific binding whatever its length: a binding whose
		// host path lies inside the rootfs still names its own guest path.
		if (t.byHost[i].Guest == "/") != (t.byHost[j].Guest == "/") {
			return t.byHost[j].Guest == "/"
		}
		return len(t.byHost[i].Host) > len(t.byHost[j].Host)
	})
}

// Rootfs is the host path bound at the guest "/".
func (t *Table) Rootfs() string { return t.rootfs }

// All lists every binding, the rootfs and glue included, most specific guest path first.
func (t *Table) All() []Binding { return append([]Binding(nil), t.byGuest...) }

// under reports whether p is dir or below it, on component boundaries.
func under(p, dir string) bool {
	if dir == "/" {
		return true
	}
	return strings.HasPrefix(p, dir) && (len(p) == len(dir) || p[len(dir)] == '/')
}

// rebase replaces the prefix from of p (known to be under it) with to.
func rebase(p, from, to string) string {
	rest := p[len(from):]
	if from == "/" {
		rest = p[1:]
		if rest == "" {
			return to
		}
		rest = "/" + rest
	}
	if rest == "" {
		return to
	}
	if to == "/" {
		return rest
	}
	return to + rest
}

// GuestToHost maps a canonical absolute guest path to a host path lexically: the binding
// with the longest guest prefix (on component boundaries) wins.
func (t *Table) GuestToHost(guest string) (host string, b *Binding) {
	if guest == "" || guest[0] != '/' {
		return "", nil
	}
	for i := range t.byGuest {
		if under(guest, t.byGuest[i].Guest) {
			return rebase(guest, t.byGuest[i].Guest, t.byGuest[i].Host), &t.byGuest[i]
		}
	}
	return "", nil
}

// HostToGuest maps a host path back to a guest path: the binding with the longest host
// prefix wins (the rootfs last). ok is false when the host path is outside every binding.
func (t *Table) HostToGuest(host string) (guest string, ok bool) {
	for i := range t.byHost {
		if under(host, t.byHost[i].Host) {
			return rebase(host, t.byHost[i].Host, t.byHost[i].Guest), true
		}
	}
	return "", false
}

// HostToGuestBound is HostToGuest restricted to the bindings other than the rootfs: it
// says where a host path shows in the guest through a -b binding.
func (t *Table) HostToGuestBound(host string) (guest string, ok bool) {
	for i := range t.byHost {
		if b := &t.byHost[i]; b.Guest != "/" && under(host, b.Host) {
			return rebase(host, b.Host, b.Guest), true
		}
	}
	return "", false
}

// AddGlue makes, under scratch, an empty directory for every guest ancestor of a binding
// that does not exist in the rootfs (or under a shorter binding), and binds it there, so
// that such ancestors resolve and list as directories without writing into the rootfs.
// A glue directory holds an entry for each child that is a binding or glue, so that
// listing it shows them.
func (t *Table) AddGlue(scratch string) error {
	all := t.All()
	glue := map[string]bool{}
	for _, b := range all {
		for a := filepath.Dir(b.Guest); a != "/" && !glue[a]; a = filepath.Dir(a) {
			if h, _ := t.GuestToHost(a); h != "" {
				if _, err := os.Lstat(h); err == nil {
					break
				}
			}
			glue[a] = true
		}
	}
	if len(glue) == 0 {
		return nil
	}
	var names []string
	for a := range glue {
		names = append(names, a)
	}
	sort.Strings(names)
	for _, a := range names {
		if err := os.MkdirAll(filepath.Join(scratch, a), 0o755); err != nil {
			return fmt.Errorf("glue directory for %s: %w", a, err)
		}
		all = append(all, Binding{Host: filepath.Join(scratch, a), Guest: a, Glue: true})
	}
	// Entries for the bindings that live directly in a glue directory.
	for _, b := range all {
		parent := filepath.Dir(b.Guest)
		if b.Glue || !glue[parent] {
			continue
		}
		stub := filepath.Join(scratch, b.Guest)
		if st, err := os.Stat(b.Host); err == nil && !st.IsDir() {
			f, err := os.OpenFile(stub, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return fmt.Errorf("glue entry for %s: %w", b.Guest, err)
			}
			f.Close()
		} else if err := os.MkdirAll(stub, 0o755); err != nil {
			return fmt.Errorf("glue entry for %s: %w", b.Guest, err)
		}
	}
	t.set(all)
	return nil
}

package bindings

import "errors"

// ErrTODO marks a stub that the foundation work replaces.
var errTODO = errors.New("bindings: not implemented yet")

// Parse parses one -b/-m argument, "HOST[:GUEST]" with an optional trailing "!" on GUEST
// (no GUEST means the same path as HOST). A relative HOST is resolved against cwd; a
// relative GUEST is an error. The host path must exist (the error names it).
func Parse(spec, cwd string) (Binding, error) { return Binding{}, errTODO }

// Preset returns PRoot's -R ("R") or -S ("S") preset bindings for the given $HOME, with
// every binding whose host path does not exist left out (as PRoot does).
func Preset(name, home string) []Binding { return nil }

// Table is the binding table of one run.
type Table struct{}

// New builds the table: rootfs (host directory, must exist) is bound at "/", then binds in
// order; a later binding of the same guest path replaces an earlier one.
func New(rootfs string, binds []Binding) (*Table, error) { return nil, errTODO }

// Rootfs is the host path bound at the guest "/".
func (t *Table) Rootfs() string { return "" }

// All lists every binding, the rootfs and glue included, most specific guest path first.
func (t *Table) All() []Binding { return nil }

// GuestToHost maps a canonical absolute guest path to a host path lexically: the binding
// with the longest guest prefix (on component boundaries) wins.
func (t *Table) GuestToHost(guest string) (host string, b *Binding) { return "", nil }

// HostToGuest maps a host path back to a guest path: the binding with the longest host
// prefix wins (the rootfs last). ok is false when the host path is outside every binding.
func (t *Table) HostToGuest(host string) (guest string, ok bool) { return "", false }

// AddGlue makes, under scratch, an empty directory for every guest ancestor of a binding
// that does not exist in the rootfs (or under a shorter binding), and binds it there, so
// that such ancestors resolve and list as directories without writing into the rootfs.
func (t *Table) AddGlue(scratch string) error { return errTODO }

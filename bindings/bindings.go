// Package bindings is groot's binding table: which host path appears at which guest path.
// The rootfs is the binding of the guest's "/".
package bindings

// Binding makes the host path Host appear at the guest path Guest.
type Binding struct {
	Host  string // absolute, cleaned host path
	Guest string // absolute, cleaned guest path
	// NoFollow is PRoot's trailing "!" on the guest side: the guest location is used as
	// it is. Without it, a guest location that is a symlink in the guest is dereferenced,
	// so that the new content shows through every symlink to it (proot(1), -b).
	NoFollow bool
	// Glue marks a binding groot made itself: an empty directory standing in for a guest
	// ancestor of a real binding that does not exist in the rootfs.
	Glue bool
}

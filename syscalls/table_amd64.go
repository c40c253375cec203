package syscalls

// table and names are indexed by syscall number. Filled in by the syscall-table work.
var (
	table [512]*Entry
	names [512]string
)

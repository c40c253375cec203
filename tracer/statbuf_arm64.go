package tracer

// struct stat as arm64's newfstatat and fstat write it (include/uapi/asm-generic/stat.h):
// st_mode comes before a 32-bit st_nlink.
const (
	statDev  = 0
	statIno  = 8
	statMode = 16
	statUID  = 24
	statGID  = 28
	statRdev = 32
	statSize = 40
)

package tracer

// struct stat as x86_64's newfstatat, stat, lstat and fstat write it
// (arch/x86/include/uapi/asm/stat.h): st_nlink is 64 bits and comes before st_mode.
const (
	statDev  = 0
	statIno  = 8
	statMode = 24
	statUID  = 28
	statGID  = 32
	statRdev = 40
	statSize = 48
)

/* fexec SOURCE HOW [ARGS...]: executes a copy of the program SOURCE the way fexecve(3)
 * does, with argv "fexec-child" ARGS.
 *   SOURCE memfd:PATH  a memfd holding a copy of PATH (a file no path names)
 *          fd:PATH     PATH itself, opened
 *   HOW    at          execveat(fd, "", argv, envp, AT_EMPTY_PATH)
 *          proc        execve("/proc/self/fd/N", ...), glibc's fexecve without execveat
 *          at-cloexec, proc-cloexec  the same with the fd close-on-exec (MFD_CLOEXEC,
 *                      O_CLOEXEC): the exec closes it before the program runs
 * On failure it prints the error and exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	int cloexec = strstr(argv[2], "-cloexec") != NULL;
	int proc = strncmp(argv[2], "proc", 4) == 0;
	int fd;
	if (strncmp(argv[1], "memfd:", 6) == 0) {
		int in = open(argv[1] + 6, O_RDONLY);
		fd = memfd_create("copy", cloexec ? MFD_CLOEXEC : 0);
		if (in < 0 || fd < 0) { perror("fexec"); return 1; }
		char buf[65536];
		ssize_t n;
		while ((n = read(in, buf, sizeof buf)) > 0)
			if (write(fd, buf, n) != n) { perror("fexec"); return 1; }
		close(in);
	} else if (strncmp(argv[1], "fd:", 3) == 0) {
		fd = open(argv[1] + 3, O_RDONLY | (cloexec ? O_CLOEXEC : 0));
		if (fd < 0) { perror("fexec"); return 1; }
	} else return 2;
	argv[2] = "fexec-child";
	if (proc) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		execve(path, argv + 2, environ);
	} else
		syscall(SYS_execveat, fd, "", argv + 2, environ, AT_EMPTY_PATH);
	printf("fexec %s: %s\n", argv[1], strerror(errno));
	return 1;
}

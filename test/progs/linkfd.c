/* linkfd: for each PATH, open it with O_PATH|O_NOFOLLOW and read the symlink through the
 * descriptor alone, readlinkat(fd, "", ...) (Linux 2.6.39). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		char buf[256];
		int fd = open(argv[i], O_PATH | O_NOFOLLOW);
		if (fd < 0) {
			printf("%s: open: %s\n", argv[i], strerror(errno));
			continue;
		}
		ssize_t n = readlinkat(fd, "", buf, sizeof buf);
		if (n < 0)
			printf("%s: %s\n", argv[i], strerror(errno));
		else
			printf("%s: %.*s\n", argv[i], (int)n, buf);
		close(fd);
	}
	return 0;
}

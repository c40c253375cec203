/* scoped: openat2 with RESOLVE_BENEATH, RESOLVE_IN_ROOT and RESOLVE_NO_SYMLINKS relative
 * to a directory fd (Linux 5.6): "..", absolute paths and symlinks that leave the
 * directory are refused (EXDEV) or kept inside it. Each line: the call, then the error or
 * which file was opened.
 *   scoped root PATH...   openat2(open("/"), PATH, RESOLVE_IN_ROOT): the inode opened */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *known[] = {"/tmp/o2/f", "/tmp/o2/d/f", "/tmp/o2/d/sub", "/tmp/o2/d", "/etc", "/", NULL};

static void try(int dfd, const char *path, unsigned long long resolve, const char *rname) {
	struct open_how how = {.flags = O_RDONLY, .resolve = resolve};
	int fd = syscall(SYS_openat2, dfd, path, &how, sizeof how);
	printf("%-10s %-6s ", path, rname);
	if (fd < 0) {
		printf("%s\n", strerror(errno));
		return;
	}
	struct stat a, b;
	fstat(fd, &a);
	close(fd);
	for (int i = 0; known[i]; i++)
		if (stat(known[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			printf("%s\n", known[i]);
			return;
		}
	printf("another file\n");
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "root") == 0) {
		int root = open("/", O_DIRECTORY | O_RDONLY);
		for (int i = 2; i < argc; i++) {
			struct open_how how = {.flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT};
			int fd = syscall(SYS_openat2, root, argv[i], &how, sizeof how);
			struct stat st;
			if (fd < 0 || fstat(fd, &st) != 0)
				printf("%s: %s\n", argv[i], strerror(errno));
			else
				printf("%s: inode %lu\n", argv[i], (unsigned long)st.st_ino);
		}
		return 0;
	}
	if (system("rm -rf /tmp/o2 && mkdir -p /tmp/o2/d/sub && touch /tmp/o2/f /tmp/o2/d/f && "
		   "ln -s ../f /tmp/o2/d/up && ln -s /etc /tmp/o2/d/abs && ln -s f /tmp/o2/d/rel") != 0)
		return 1;
	int dfd = open("/tmp/o2/d", O_DIRECTORY | O_RDONLY);
	const char *paths[] = {"f", "../f", "up", "abs", "/etc", "/sub", "rel", "sub/../f", NULL};
	struct { unsigned long long r; const char *name; } modes[] = {
		{RESOLVE_BENEATH, "beneath"}, {RESOLVE_IN_ROOT, "inroot"}, {RESOLVE_NO_SYMLINKS, "nosyml"}, {0, NULL}};
	for (int m = 0; modes[m].name; m++)
		for (int i = 0; paths[i]; i++)
			try(dfd, paths[i], modes[m].r, modes[m].name);
	if (chdir("/tmp/o2/d") == 0)
		for (int i = 0; paths[i]; i++)
			try(AT_FDCWD, paths[i], RESOLVE_IN_ROOT, "cwd-in");
	return system("rm -rf /tmp/o2");
}

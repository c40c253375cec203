/* trailslash: calls that create, remove or rename an entry named with a trailing slash,
 * or named "/", "dir/." or "dir/..". The kernel does not follow a symlink there (rename
 * or rmdir of "link/" is ENOTDIR, mkdir of it EEXIST, creat EISDIR), where lookups do
 * (stat of "link/" is the target); "/" is busy, a final "." or ".." refused without
 * touching the directory. Each call runs in a fresh /tmp/ts and is followed by a
 * listing, so that a call that acted on another entry shows. */
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

static void fresh(void) {
	if (system("rm -rf /tmp/ts && mkdir -p /tmp/ts/d && touch /tmp/ts/d/keep /tmp/ts/f && "
		   "ln -s d /tmp/ts/ld && ln -s nx /tmp/ts/dang") != 0 || chdir("/tmp/ts") != 0) {
		perror("setup");
		exit(1);
	}
}

#define TRY(call)                                                                          \
	do {                                                                               \
		fresh();                                                                   \
		int r_ = (call);                                                           \
		printf("%-44s %s: ", #call, r_ < 0 ? strerror(errno) : "ok");              \
		fflush(stdout);                                                            \
		system("cd /tmp/ts && ls -F . d 2>&1 | tr '\\n' ' '; echo");               \
	} while (0)

static int openat2_creat(const char *path) {
	struct open_how how = {.flags = O_CREAT | O_WRONLY, .mode = 0644};
	return syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
}

int main(void) {
	struct stat st;
	TRY(rename("ld/", "newname"));
	TRY(rename("d", "ld/"));
	TRY(rename("/tmp/ts/ld//", "/tmp/ts/zz"));
	TRY(rename("d/", "e/"));
	TRY(rename("f", "g/"));
	TRY(rmdir("ld/"));
	TRY(rmdir("/tmp/ts/ld/"));
	TRY(unlink("ld/"));
	TRY(unlinkat(AT_FDCWD, "ld/", AT_REMOVEDIR));
	TRY(mkdir("dang/", 0777));
	TRY(mkdir("new/", 0777));
	TRY(symlink("x", "dang/"));
	TRY(mknod("dang/", S_IFIFO | 0644, 0));
	TRY(open("dang/", O_CREAT | O_WRONLY, 0644));
	TRY(open("ld/", O_CREAT | O_WRONLY, 0644));
	TRY(openat2_creat("dang/"));
	TRY(link("f", "dang/"));
	TRY(link("ld/", "x"));
	TRY(rmdir("/"));
	TRY(rename("/", "x"));
	TRY(rename("d", "/"));
	TRY(unlinkat(AT_FDCWD, "/", AT_REMOVEDIR));
	TRY(unlink("/"));
	TRY(mkdir("/", 0777));
	TRY(symlink("x", "/"));
	TRY(open("/", O_CREAT | O_WRONLY, 0644));
	TRY(rmdir("d/.."));
	TRY(rmdir(".."));
	TRY(rmdir("/.."));
	TRY(rename("d/..", "z"));
	TRY(rename("f", "d/.."));
	TRY(unlink("d/.."));
	TRY(mkdir("d/..", 0777));
	TRY(open("d/..", O_CREAT | O_WRONLY, 0644));
	TRY(rmdir("d/."));
	TRY(rmdir("/."));
	TRY(lstat("ld/", &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1);
	TRY(chdir("ld/"));
	return system("rm -rf /tmp/ts");
}

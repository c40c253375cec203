/* asuser UID GID PROG [ARGS...]: run PROG as UID:GID, for the native side of the tests
 * (chroot ROOTFS asuser ...), where busybox's chroot has no --userspec. The supplementary
 * groups are what coreutils' `chroot --userspec` gives: the primary group when the uid has
 * a passwd entry (the fixtures' users have no others), none otherwise. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int known(const char *uid) {
	FILE *f = fopen("/etc/passwd", "r");
	char line[512];
	int found = 0;
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof line, f)) {
		char *p = strchr(line, ':');
		if (p && (p = strchr(p + 1, ':')) && strncmp(p + 1, uid, strlen(uid)) == 0 && p[1 + strlen(uid)] == ':')
			found = 1;
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv) {
	if (argc < 4) {
		fprintf(stderr, "usage: asuser UID GID PROG [ARGS...]\n");
		return 125;
	}
	uid_t u = (uid_t)strtoul(argv[1], NULL, 10);
	gid_t g = (gid_t)strtoul(argv[2], NULL, 10);
	if ((known(argv[1]) ? setgroups(1, &g) : setgroups(0, NULL)) || setgid(g) || setuid(u)) {
		perror("asuser");
		return 125;
	}
	execvp(argv[3], argv + 3);
	perror(argv[3]);
	return 127;
}

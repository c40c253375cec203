/* ids: identity and ownership probes for fake-root tests, run both natively as root and
 * under groot -0, whose outputs must match.
 *   ids seq            a fixed sequence of set*id calls, printing every result and the ids after it
 *   ids fstat PATH     owner and mode as fstat, fstatat(AT_EMPTY_PATH) and statx(AT_EMPTY_PATH) see them
 *   ids nnp            prctl(PR_GET_NO_NEW_PRIVS)
 *   ids auxv           the ids and the file name in the auxiliary vector (getauxval)
 *   ids missing P      lookups of the missing path P, with valid and invalid other arguments
 *   ids change P       chmod and chown of P by every path form (P missing in the guest: each
 *                      must fail as natively and change nothing anywhere)
 *   ids undumpable P   prctl(PR_SET_DUMPABLE, 0), then open P by path (sudo and ssh-agent do so)
 *   ids uts [H D]      the six utsname fields; with H and D, sethostname(H) and
 *                      setdomainname(D) first, their results, then the fields again
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static void show(const char *what, long ret) {
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t groups[64];
	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	int n = getgroups(64, groups);
	printf("%-26s = %ld (%s): uid %u/%u/%u fs %d gid %u/%u/%u fs %d groups",
	       what, ret, ret < 0 ? strerror(errno) : "ok", r, e, s, setfsuid(-1), rg, eg, sg, setfsgid(-1));
	for (int i = 0; i < n; i++)
		printf(" %u", groups[i]);
	printf("\n");
}

#define DO(call) show(#call, (long)(call))

static void show_uts(void) {
	struct utsname u;
	if (uname(&u) != 0) {
		printf("uname: %s\n", strerror(errno));
		return;
	}
	printf("sysname=%s nodename=%s release=%s version=%s machine=%s domainname=%s\n",
	       u.sysname, u.nodename, u.release, u.version, u.machine, u.domainname);
}

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "uts") == 0) {
		show_uts();
		if (argc >= 4) {
			int r = sethostname(argv[2], strlen(argv[2]));
			printf("sethostname = %d (%s)\n", r, r ? strerror(errno) : "ok");
			r = setdomainname(argv[3], strlen(argv[3]));
			printf("setdomainname = %d (%s)\n", r, r ? strerror(errno) : "ok");
			r = sethostname(argv[2], 65);
			printf("sethostname 65 bytes = %d (%s)\n", r, r ? strerror(errno) : "ok");
			show_uts();
		}
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "seq") == 0) {
		gid_t g[] = {10, 20};
		show("start", 0);
		DO(setgroups(2, g));
		DO(setresgid(5, 6, 7));
		DO(setregid(-1, 5));
		DO(setfsuid(99));
		DO(setresuid(1000, 1001, 0));
		DO(setuid(0));
		DO(seteuid(0));
		DO(setresuid(1000, 1000, 1000));
		DO(setuid(0));
		DO(setgroups(0, NULL));
		DO(setgid(6));
		DO(setgid(8));
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "fstat") == 0) {
		int fd = open(argv[2], O_PATH);
		if (fd < 0) {
			perror(argv[2]);
			return 1;
		}
		struct stat st;
		if (syscall(SYS_fstat, fd, &st) == 0)
			printf("SYS_fstat %u:%u %o\n", st.st_uid, st.st_gid, st.st_mode);
		if (fstat(fd, &st) == 0)
			printf("fstat %u:%u %o\n", st.st_uid, st.st_gid, st.st_mode);
		if (fstatat(fd, "", &st, AT_EMPTY_PATH) == 0)
			printf("fstatat %u:%u %o\n", st.st_uid, st.st_gid, st.st_mode);
		struct statx sx;
		if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) == 0)
			printf("statx %u:%u %o rdev %u,%u\n", sx.stx_uid, sx.stx_gid, sx.stx_mode, sx.stx_rdev_major, sx.stx_rdev_minor);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "undumpable") == 0) {
		printf("set %d\n", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
		printf("get %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
		int fd = open(argv[2], O_RDONLY);
		char buf[64] = {0};
		if (fd < 0 || read(fd, buf, sizeof buf - 1) < 0) {
			printf("open %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		printf("read %.*s\n", (int)strcspn(buf, "\n"), buf);
		printf("set %d\n", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
		printf("get %d\n", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "missing") == 0) {
		const char *p = argv[2];
		struct stat st;
		struct statx sx;
		char buf[16];
#define TRY(call) printf("%-44s %s\n", #call, (call) < 0 ? strerror(errno) : "ok")
		TRY(stat(p, &st));
		TRY(lstat(p, &st));
		TRY(fstatat(AT_FDCWD, p, &st, 0));
		TRY(fstatat(AT_FDCWD, p, &st, 0x40000));
		TRY(statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx));
		TRY(statx(AT_FDCWD, p, 0, 0x80000000u, &sx));
		TRY(statx(AT_FDCWD, p, 0x40000, STATX_BASIC_STATS, &sx));
		TRY(access(p, R_OK));
		TRY(access(p, 8));
		TRY(syscall(SYS_faccessat2, AT_FDCWD, p, R_OK, 0x40000));
		TRY(open(p, O_RDONLY));
		TRY(open(p, O_RDONLY | O_DIRECTORY));
		TRY(readlink(p, buf, sizeof buf));
		TRY(readlink(p, buf, 0));
		TRY(readlinkat(AT_FDCWD, p, buf, -1));
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "change") == 0) {
		const char *p = argv[2];
		TRY(chmod(p, 0666));
		TRY(fchmodat(AT_FDCWD, p, 0644, 0));
		TRY(chown(p, 123, 456));
		TRY(lchown(p, 123, 456));
		TRY(fchownat(AT_FDCWD, p, 7, 7, AT_SYMLINK_NOFOLLOW));
		TRY(truncate(p, 0));
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "auxv") == 0) {
		printf("AT_UID %lu AT_EUID %lu AT_GID %lu AT_EGID %lu AT_EXECFN %s\n", getauxval(AT_UID), getauxval(AT_EUID),
		       getauxval(AT_GID), getauxval(AT_EGID), (const char *)getauxval(AT_EXECFN));
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "nnp") == 0) {
		printf("no_new_privs %d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		return 0;
	}
	fprintf(stderr, "usage: ids seq | fstat PATH | nnp\n");
	return 2;
}

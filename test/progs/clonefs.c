/* clonefs: the working directory shared or not between tasks, as CLONE_FS says: a
 * vfork-style clone with CLONE_FS whose child changes directory moves its parent too; a
 * thread that unshares CLONE_FS and changes directory leaves the others where they were.
 * Each step prints getcwd and whether a relative name of each directory is found. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[65536];

static void show(const char *what) {
	char cwd[256];
	printf("%-22s cwd %s a:%s b:%s\n", what, getcwd(cwd, sizeof cwd) ? cwd : "?",
	       access("in-a", F_OK) == 0 ? "yes" : "no", access("in-b", F_OK) == 0 ? "yes" : "no");
}

static int child(void *arg) {
	(void)arg;
	return chdir("/tmp/cf/a") != 0;
}

static void *unsharing(void *arg) {
	(void)arg;
	if (unshare(CLONE_FS) != 0 || chdir("/tmp/cf/a") != 0)
		return "failed";
	show("thread after unshare");
	return NULL;
}

static void *sharing(void *arg) {
	(void)arg;
	if (chdir("/tmp/cf/a") != 0)
		return "failed";
	return NULL;
}

int main(void) {
	if (system("rm -rf /tmp/cf && mkdir -p /tmp/cf/a /tmp/cf/b && touch /tmp/cf/a/in-a /tmp/cf/b/in-b") != 0 ||
	    chdir("/tmp/cf/b") != 0)
		return 1;
	pid_t pid = clone(child, stack + sizeof stack, CLONE_VM | CLONE_FS | CLONE_VFORK | SIGCHLD, NULL);
	waitpid(pid, NULL, 0);
	show("after vfork+CLONE_FS");
	if (chdir("/tmp/cf/b") != 0)
		return 1;
	pid = clone(child, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	waitpid(pid, NULL, 0);
	show("after vfork");
	pthread_t th;
	void *ret;
	pthread_create(&th, NULL, unsharing, NULL);
	pthread_join(th, &ret);
	show("main after unshare");
	pthread_create(&th, NULL, sharing, NULL);
	pthread_join(th, &ret);
	show("main after thread cd");
	return system("rm -rf /tmp/cf");
}

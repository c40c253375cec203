/* Calls execve from a non-main thread. The new program (this one again, with "child")
 * prints whether its pid is the original process's pid, as the kernel guarantees. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *self;

static void *run(void *arg) {
	char pid[32];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *argv[] = {self, "child", pid, NULL};
	execv(self, argv);
	perror("execv");
	exit(1);
}

int main(int argc, char **argv) {
	if (argc == 3 && strcmp(argv[1], "child") == 0) {
		printf("exec from thread: same pid %s\n", atoi(argv[2]) == getpid() ? "yes" : "no");
		return 0;
	}
	self = argv[0];
	pthread_t t;
	pthread_create(&t, NULL, run, NULL);
	pthread_join(t, NULL);
	return 1;
}

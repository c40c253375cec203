/* execargs N LEN...: for each pair, execs itself with N arguments of LEN bytes and prints
 * whether the kernel took them: "ok", or execve's error (E2BIG over the argument limits:
 * MAX_ARG_STRLEN for one string, a quarter of the stack rlimit for all). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return 0;
	for (int k = 1; k + 1 < argc; k += 2) {
		int n = atoi(argv[k]), len = atoi(argv[k + 1]);
		char **a = malloc((n + 3) * sizeof *a);
		char *s = malloc(len + 1);
		memset(s, 'x', len);
		s[len] = 0;
		a[0] = "execargs";
		a[1] = "child";
		for (int i = 0; i < n; i++)
			a[i + 2] = s;
		a[n + 2] = NULL;
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			execv("/proc/self/exe", a);
			execv("/usr/local/bin/execargs", a);
			printf("%d x %d: %s\n", n, len, strerror(errno));
			fflush(stdout);
			_exit(1);
		}
		int st;
		waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			printf("%d x %d: ok\n", n, len);
		free(a);
		free(s);
	}
	return 0;
}

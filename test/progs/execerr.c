/* execve(argv[1], argv+1) and print the error, to compare execve errors with native. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) return 2;
	execv(argv[1], argv + 1);
	printf("execve %s: %s\n", argv[1], strerror(errno));
	return 1;
}

/* Prints its argv and /proc/self/exe: the dynamic program whose ELF interpreter exists
 * only in the guest rootfs. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	char exe[256] = {0};
	if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) snprintf(exe, sizeof exe, "(no /proc)");
	printf("hello from musl:");
	for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
	printf("\nexe %s\n", exe);
	return 0;
}

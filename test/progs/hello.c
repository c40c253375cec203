/* Prints its argv and /proc/self/exe: the dynamic program whose ELF interpreter exists
 * only in the guest rootfs. */
#include <stdio.h>
#include <unistd.h>

#ifdef __GLIBC__
#define HELLO_LIBC "glibc"
#else
#define HELLO_LIBC "musl"
#endif

int main(int argc, char **argv) {
	char exe[256] = {0};
	if (readlink("/proc/self/exe", exe, sizeof exe - 1) < 0) snprintf(exe, sizeof exe, "(no /proc)");
	printf("hello from %s:", HELLO_LIBC);
	for (int i = 0; i < argc; i++) printf(" %s", argv[i]);
	char comm[32] = {0};
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) { fgets(comm, sizeof comm, f); fclose(f); }
	printf("\nexe %s\ncomm %s", exe, comm[0] ? comm : "(no /proc)\n");
	return 0;
}

/* 8 threads each open, stat, readlink and getcwd guest paths 200 times and check the
 * results; prints one deterministic summary line. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

static int failures[8];

static void *work(void *arg) {
	long id = (long)arg;
	for (int i = 0; i < 200; i++) {
		int fd = open("/etc/passwd", O_RDONLY);
		char buf[5] = {0};
		if (fd < 0 || read(fd, buf, 4) != 4 || strncmp(buf, "root", 4) != 0) failures[id]++;
		if (fd >= 0) close(fd);
		struct stat st;
		if (stat("/bin/busybox", &st) != 0 || !S_ISREG(st.st_mode)) failures[id]++;
		char link[256];
		ssize_t n = readlink("/bin/sh", link, sizeof link - 1);
		if (n != 7 || strncmp(link, "busybox", 7) != 0) failures[id]++;
		char cwd[256];
		if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, "/tmp") != 0) failures[id]++;
	}
	return NULL;
}

int main(void) {
	pthread_t t[8];
	if (chdir("/tmp") != 0) return 2;
	for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, work, (void *)i);
	int total = 0;
	for (int i = 0; i < 8; i++) { pthread_join(t[i], NULL); total += failures[i]; }
	printf("threads=8 iterations=200 failures=%d\n", total);
	return total != 0;
}

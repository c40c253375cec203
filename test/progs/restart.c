/* restart: a path syscall interrupted by a signal and restarted by the kernel.
 *   restart FIFO   opens FIFO for reading, which blocks until a child opens it for
 *                  writing; meanwhile the child sends two SIGUSR1s, whose SA_RESTART
 *                  handler opens a file by its absolute path. The kernel restarts the
 *                  interrupted open each time. Prints what came through the FIFO and
 *                  what the handler saw.
 * Under the tracer the interrupted open and the handler's open both had their path
 * argument rewritten: the restart must not see the tracer's pointer (or a signal frame
 * written over what it pointed to) as the guest's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t handled, opened;

static void handler(int sig) {
	(void)sig;
	handled++;
	int fd = open("/etc/passwd", O_RDONLY);
	if (fd >= 0) {
		opened++;
		close(fd);
	}
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: restart FIFO\n");
		return 2;
	}
	const char *fifo = argv[1];
	unlink(fifo);
	if (mkfifo(fifo, 0600) != 0) {
		printf("mkfifo: %s\n", strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0) {
		for (int i = 0; i < 2; i++) {
			usleep(200000);
			kill(parent, SIGUSR1);
		}
		usleep(200000);
		int fd = open(fifo, O_WRONLY);
		if (fd < 0)
			_exit(1);
		write(fd, "through the fifo\n", 17);
		close(fd);
		_exit(0);
	}
	/* A restart gone wrong may block for ever: end the test instead. */
	alarm(10);
	int fd = open(fifo, O_RDONLY);
	if (fd < 0) {
		printf("open %s: %s\n", fifo, strerror(errno));
		return 1;
	}
	char buf[64];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n > 0)
		fwrite(buf, 1, n, stdout);
	close(fd);
	int status;
	waitpid(child, &status, 0);
	printf("handler ran %d times, opened /etc/passwd %d times; writer status %d\n", handled, opened, status);
	unlink(fifo);
	return 0;
}

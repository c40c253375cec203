/* AF_UNIX server and client: `usock serve PATH` accepts one connection and prints what it
 * receives and its own bound name; `usock connect PATH MSG` sends MSG and prints the peer
 * name it sees. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strncpy(sa.sun_path, argv[2], sizeof sa.sun_path - 1);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (strcmp(argv[1], "serve") == 0) {
		unlink(argv[2]);
		if (bind(s, (struct sockaddr *)&sa, sizeof sa) || listen(s, 1)) { perror("bind"); return 1; }
		struct sockaddr_un me; socklen_t len = sizeof me;
		getsockname(s, (struct sockaddr *)&me, &len);
		printf("server bound to %s\n", me.sun_path);
		fflush(stdout);
		int c = accept(s, NULL, NULL);
		char buf[128] = {0};
		read(c, buf, sizeof buf - 1);
		printf("server got %s\n", buf);
		return 0;
	}
	for (int i = 0; i < 100 && connect(s, (struct sockaddr *)&sa, sizeof sa); i++) usleep(20000);
	struct sockaddr_un peer; socklen_t len = sizeof peer;
	if (getpeername(s, (struct sockaddr *)&peer, &len)) { perror("connect"); return 1; }
	printf("client peer %s\n", peer.sun_path);
	write(s, argv[3], strlen(argv[3]));
	return 0;
}

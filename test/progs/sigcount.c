/* sigcount: how many SIGINTs reach a process, and who made each.
 *   sigcount   writes "ready", then spins in user space until half a second after the
 *              first SIGINT (at most 10 s), and writes one line per SIGINT taken:
 *              "kernel" for one the kernel made (si_code > 0, e.g. a terminal's ^C),
 *              "user" for one sent with kill(2). Exits 0, or 2 when none came.
 * A terminal sends ^C's SIGINT to its whole foreground process group, the guest
 * included; a sandbox that passes its own copy on as well makes the guest see two. The
 * spinning (no syscall, so no sleep) and SA_NODEFER make each SIGINT be taken as soon as
 * it is sent, so that a second one is not merged into a first still pending.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXSIGS 16

static volatile sig_atomic_t taken;
static volatile int codes[MAXSIGS];

static void handler(int sig, siginfo_t *si, void *uc) {
	(void)sig;
	(void)uc;
	int n = taken;
	if (n < MAXSIGS) codes[n] = si->si_code;
	taken = n + 1;
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void say(const char *s) {
	if (write(1, s, strlen(s)) < 0) _exit(3);
}

int main(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (sigaction(SIGINT, &sa, NULL) < 0) return 3;
	say("ready\n");
	double start = now(), first = 0;
	for (;;) {
		double t = now();
		if (taken && first == 0) first = t;
		if (first != 0 && t - first > 0.5) break;
		if (first == 0 && t - start > 10) break;
	}
	int n = taken;
	for (int i = 0; i < n && i < MAXSIGS; i++) say(codes[i] > 0 ? "kernel\n" : "user\n");
	return n ? 0 : 2;
}

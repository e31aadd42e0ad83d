/* A program to trace: blocking socket calls from named functions, so that
 * a test can check which function each waitcap event points at.
 *
 *   traced_client calls SILENT_PORT ANSWER_PORT
 *       wait_for_quote: recv() with no timeout on a peer that never answers
 *                       (ends on the recv cap);
 *       poll_inventory: recv() with a 100 ms SO_RCVTIMEO before asking
 *                       (ends on its own timeout), then asks and gets data
 *                       (a 1 s SO_RCVTIMEO: far above the peer's 50 ms
 *                       answer, so a busy machine cannot turn it into a
 *                       timeout).
 *   traced_client loop SILENT_PORT COUNT INTERVAL_MS
 *       COUNT recv()s with a 50 ms SO_RCVTIMEO, INTERVAL_MS apart.
 *   traced_client idle
 *       prints "ready" and waits for stdin to close.
 *   traced_client handler SILENT_PORT
 *       every 20 ms a SIGALRM handler waits 5 ms in recv() (SO_RCVTIMEO)
 *       on a peer that never answers, while the program sits in read() on
 *       stdin; each line "wait" makes the program itself wait the same
 *       way (prints "waited").  Ends when stdin closes.
 *
 * Every line it prints is deterministic, so two runs can be compared. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"

static void set_recv_timeout_ms(int fd, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static const char *result(ssize_t n)
{
	if (n > 0)
		return "data";
	if (n == 0)
		return "eof";
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return "own-timeout";
	if (errno == ETIMEDOUT)
		return "ETIMEDOUT";
	return strerror(errno);
}

__attribute__((noinline)) static void wait_for_quote(int port)
{
	int fd = loopback_connect(port);
	char buf[64];
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	printf("wait_for_quote: %s\n", result(n));
	close(fd);
}

__attribute__((noinline)) static void poll_inventory(int port)
{
	int fd = loopback_connect(port);
	char buf[64];
	set_recv_timeout_ms(fd, 100);
	ssize_t n = recv(fd, buf, sizeof buf, 0);
	printf("poll_inventory before asking: %s\n", result(n));
	if (send(fd, "ping\n", 5, 0) != 5)
		perror("send");
	set_recv_timeout_ms(fd, 1000);
	n = recv(fd, buf, sizeof buf, 0);
	printf("poll_inventory after asking: %s\n", result(n));
	close(fd);
}

__attribute__((noinline)) static void poll_in_loop(int port, int count, int interval_ms)
{
	int fd = loopback_connect(port);
	set_recv_timeout_ms(fd, 50);
	for (int i = 0; i < count; i++) {
		char buf[64];
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		printf("iteration %d: %s\n", i, result(n));
		fflush(stdout);
		struct timespec pause = {.tv_sec = interval_ms / 1000,
					 .tv_nsec = (interval_ms % 1000) * 1000000L};
		nanosleep(&pause, NULL);
	}
	close(fd);
}

static int handler_fd;

static void wait_in_handler(int sig)
{
	(void)sig;
	int saved = errno;
	char buf[8];
	(void)!recv(handler_fd, buf, sizeof buf, 0);
	errno = saved;
}

__attribute__((noinline)) static void waits_in_a_signal_handler(int port)
{
	handler_fd = loopback_connect(port);
	set_recv_timeout_ms(handler_fd, 5);
	struct sigaction sa = {.sa_handler = wait_in_handler, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval every = {.it_interval = {.tv_usec = 20000}, .it_value = {.tv_usec = 20000}};
	setitimer(ITIMER_REAL, &every, NULL);
	printf("ready\n");
	char line[32];
	while (fgets(line, sizeof line, stdin)) {
		if (strncmp(line, "wait", 4))
			continue;
		char buf[8];
		(void)!recv(handler_fd, buf, sizeof buf, 0);
		printf("waited\n");
	}
	struct itimerval off = {0};
	setitimer(ITIMER_REAL, &off, NULL);
	close(handler_fd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "calls")) {
		wait_for_quote(atoi(argv[2]));
		poll_inventory(atoi(argv[3]));
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "loop")) {
		poll_in_loop(atoi(argv[2]), atoi(argv[3]), atoi(argv[4]));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "handler")) {
		waits_in_a_signal_handler(atoi(argv[2]));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "idle")) {
		printf("ready\n");
		char c;
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	fprintf(stderr, "usage: traced_client calls SILENT ANSWER | loop SILENT COUNT MS | idle | handler SILENT\n");
	return 2;
}

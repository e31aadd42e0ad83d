/* connector: COUNT connects to 127.0.0.1:PORT, then stays alive so that
 * its counters can be read, until SIGTERM (it then exits normally, through
 * its exit handlers) or until --hold-ms passes.
 *
 * usage: connector MODE PORT COUNT [--hold-ms N] [--timeout-ms N]
 *   connect       blocking connect (own timeout: SO_SNDTIMEO, default none)
 *   connect-poll  non-blocking connect, then poll in 100 ms steps until its
 *                 own deadline (default 5 s), as curl does
 *   loop          connect-poll again and again until SIGTERM
 * Prints one line per connect ("connect ok|fail errno=N ms=N"), then
 * "done" and flushes. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int one_connect(int port, int poll_mode, int timeout_ms)
{
	int fd = socket(AF_INET, SOCK_STREAM | (poll_mode ? SOCK_NONBLOCK : 0), 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!poll_mode && timeout_ms > 0) {
		struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	long long start = now_ms();
	int r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)), err = r ? errno : 0;
	if (poll_mode && r && err == EINPROGRESS) {
		long long deadline = start + (timeout_ms > 0 ? timeout_ms : 5000);
		err = ETIMEDOUT;
		while (now_ms() < deadline) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			if (poll(&p, 1, 100) > 0) {
				socklen_t len = sizeof(err);
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
				break;
			}
		}
	}
	printf("connect %s errno=%d ms=%lld\n", err ? "fail" : "ok", err, now_ms() - start);
	fflush(stdout);
	close(fd);
	return err;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: connector connect|connect-poll|loop PORT COUNT [--hold-ms N] "
				"[--timeout-ms N]\n");
		return 2;
	}
	int port = atoi(argv[2]), count = atoi(argv[3]), hold_ms = 30000, timeout_ms = -1;
	for (int i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--hold-ms"))
			hold_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--timeout-ms"))
			timeout_ms = atoi(argv[i + 1]);
	}
	int loop = !strcmp(argv[1], "loop"), poll_mode = loop || !strcmp(argv[1], "connect-poll");
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	long long until = now_ms() + hold_ms;
	for (int i = 0; (loop || i < count) && now_ms() < until && !stop; i++)
		one_connect(port, poll_mode, timeout_ms);
	printf("done\n");
	fflush(stdout);
	while (now_ms() < until && !stop)
		poll(NULL, 0, 50);
	return 0;
}

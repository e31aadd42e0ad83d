/* client: the project's own test client, blocking or poll-driven.
 *
 * usage: client MODE PORT [--timeout-ms N] [--idle-ms N]
 *   connect       blocking connect (own timeout: SO_SNDTIMEO)
 *   connect-poll  non-blocking connect, then poll in 100 ms steps until
 *                 its own deadline, like curl
 *   recv          blocking: connect, send a request, recv (own: SO_RCVTIMEO)
 *   recv-poll     non-blocking: connect, send, poll in 100 ms steps
 *   idle          one exchange, stay idle --idle-ms, another exchange
 *   trickle       blocking recv until EOF; prints bytes and checksum
 *   trickle-poll  non-blocking recv in a poll loop until EOF
 * Prints: result=ok|fail errno=NAME elapsed_ms=N bytes=N sum=HEX
 * Exit status 0 for ok, 1 for fail. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"
#include "timing.h"

static int64_t start;
static size_t bytes;
static uint32_t sum = PEER_FNV_INIT;

static int finish(int ok, int err)
{
	printf("result=%s errno=%s elapsed_ms=%lld bytes=%zu sum=%08x\n", ok ? "ok" : "fail",
	       err ? strerrorname_np(err) : "0", (long long)(now_ms() - start), bytes, sum);
	return ok ? 0 : 1;
}

static struct sockaddr_in addr_of(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	return a;
}

/* Wait for events on fd in steps of at most 100 ms until deadline_ms
 * (-1: none).  Returns revents, 0 on the program's own timeout, -1 on
 * error. */
static int poll_loop(int fd, short events, int64_t deadline_ms)
{
	for (int step = 0; step < 1000000; step++) {
		int wait = 100;
		if (deadline_ms >= 0) {
			int64_t left = deadline_ms - now_ms();
			if (left <= 0)
				return 0;
			if (left < wait)
				wait = (int)left;
		}
		struct pollfd p = {fd, events, 0};
		int r = poll(&p, 1, wait);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			return p.revents;
	}
	return 0;
}

static int connect_poll(int port, int timeout_ms, int *err)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = addr_of(port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
		*err = errno;
		return -1;
	}
	int rev = poll_loop(fd, POLLOUT, timeout_ms >= 0 ? start + timeout_ms : -1);
	if (rev <= 0) {
		*err = rev == 0 ? ETIMEDOUT : errno;
		return -1;
	}
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
	if (soerr) {
		*err = soerr;
		return -1;
	}
	return fd;
}

static int connect_blocking(int port, int timeout_ms, int *err)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (timeout_ms >= 0) {
		struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	struct sockaddr_in a = addr_of(port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		*err = errno == EINPROGRESS ? ETIMEDOUT : errno;
		return -1;
	}
	return fd;
}

static int exchange(int fd, int *err)
{
	char buf[64];
	if (send(fd, "ping\n", 5, MSG_NOSIGNAL) != 5) {
		*err = errno;
		return -1;
	}
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0) {
		*err = n == 0 ? ECONNRESET : errno;
		return -1;
	}
	bytes += (size_t)n;
	return 0;
}

static int drain_blocking(int fd, int *err)
{
	char buf[8192];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return 0;
		if (n < 0) {
			*err = errno;
			return -1;
		}
		sum = peer_fnv1a(sum, buf, (size_t)n);
		bytes += (size_t)n;
	}
}

static int drain_poll(int fd, int *err)
{
	char buf[8192];
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		int rev = poll_loop(fd, POLLIN, -1);
		if (rev < 0) {
			*err = errno;
			return -1;
		}
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n == 0)
			return 0;
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0) {
			*err = errno;
			return -1;
		}
		sum = peer_fnv1a(sum, buf, (size_t)n);
		bytes += (size_t)n;
	}
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: client MODE PORT [--timeout-ms N] [--idle-ms N]\n");
		return 2;
	}
	const char *mode = argv[1];
	int port = atoi(argv[2]), timeout_ms = -1, idle_ms = 0, err = 0;
	for (int i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--timeout-ms"))
			timeout_ms = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--idle-ms"))
			idle_ms = atoi(argv[i + 1]);
	}
	start = now_ms();
	int fd;
	if (!strcmp(mode, "connect")) {
		fd = connect_blocking(port, timeout_ms, &err);
		return finish(fd >= 0, err);
	}
	if (!strcmp(mode, "connect-poll")) {
		fd = connect_poll(port, timeout_ms, &err);
		return finish(fd >= 0, err);
	}
	if (!strcmp(mode, "recv")) {
		if ((fd = connect_blocking(port, timeout_ms, &err)) < 0)
			return finish(0, err);
		int ok = exchange(fd, &err) == 0;
		return finish(ok, err);
	}
	if (!strcmp(mode, "recv-poll")) {
		if ((fd = connect_poll(port, -1, &err)) < 0)
			return finish(0, err);
		send(fd, "ping\n", 5, MSG_NOSIGNAL);
		int rev = poll_loop(fd, POLLIN, timeout_ms >= 0 ? now_ms() + timeout_ms : -1);
		if (rev == 0)
			return finish(0, ETIMEDOUT);
		char buf[64];
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0)
			bytes += (size_t)n;
		return finish(n > 0, n < 0 ? errno : n == 0 ? ECONNRESET : 0);
	}
	if (!strcmp(mode, "idle")) {
		if ((fd = connect_blocking(port, -1, &err)) < 0 || exchange(fd, &err) != 0)
			return finish(0, err);
		struct timespec ts = {idle_ms / 1000, (long)(idle_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
		int ok = exchange(fd, &err) == 0;
		return finish(ok, err);
	}
	if (!strcmp(mode, "trickle") || !strcmp(mode, "trickle-poll")) {
		if ((fd = connect_blocking(port, -1, &err)) < 0)
			return finish(0, err);
		int r = !strcmp(mode, "trickle") ? drain_blocking(fd, &err) : drain_poll(fd, &err);
		return finish(r == 0, err);
	}
	fprintf(stderr, "client: unknown mode '%s'\n", mode);
	return 2;
}

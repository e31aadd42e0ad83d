/* send/poll/recv ping-pong: the request/response loop of a typical client.
 *
 *   pingpong [--poll-timeout MS] socketpair|tcp ITERATIONS
 *
 * The client sends 64 bytes, waits in poll() for the answer, reads it; an
 * echo thread (raw syscalls, see bench_util.h) answers.  Over TCP the
 * client's socket is an outbound connection, so under libwaitcap.so it is
 * capped: each send arms a response deadline, each answer disarms it, each
 * poll is shortened to the deadline.  Over a socketpair (AF_UNIX) nothing
 * is capped: the library only looks the fd up.  Prints one BENCH line with
 * the time of the timed loop (after a warm-up).
 *
 * --poll-timeout MS waits in poll() with that timeout instead of -1: a
 * control for what a finite timeout costs in the kernel (a timer armed for
 * every sleep), which is what a capped poll becomes. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

#define MESSAGE 64
#define WARMUP 500

static int poll_timeout_ms = -1;

struct echo {
	int fd;        /* the connected end, or -1 when listen_fd must be accepted */
	int listen_fd;
};

static void *echo_thread(void *arg)
{
	struct echo *echo = arg;
	int fd = echo->fd;
	if (fd < 0) {
		fd = raw_accept(echo->listen_fd);
		if (fd < 0)
			return NULL;
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	char buf[MESSAGE];
	for (;;) {
		ssize_t n = raw_recv(fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = raw_send(fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				goto out;
			off += w;
		}
	}
out:
	raw_close(fd);
	return NULL;
}

/* One round trip through the wrapped calls. */
static void round_trip(int fd)
{
	char buf[MESSAGE];
	memset(buf, 'x', sizeof buf);
	if (send(fd, buf, sizeof buf, MSG_NOSIGNAL) != (ssize_t)sizeof buf)
		bench_die("send");
	size_t got = 0;
	while (got < sizeof buf) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, poll_timeout_ms) != 1)
			bench_die("poll");
		ssize_t n = recv(fd, buf + got, sizeof buf - got, 0);
		if (n <= 0)
			bench_die("recv");
		got += (size_t)n;
	}
}

static int connect_tcp(struct echo *echo)
{
	int port;
	echo->fd = -1;
	echo->listen_fd = bench_listen_loopback(&port);
	if (echo->listen_fd < 0)
		bench_die("listen on 127.0.0.1");
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		bench_die("connect to 127.0.0.1");
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "--poll-timeout")) {
		poll_timeout_ms = (int)bench_count_arg(argv[2], "--poll-timeout");
		argc -= 2;
		argv += 2;
	}
	if (argc != 3 || (strcmp(argv[1], "socketpair") && strcmp(argv[1], "tcp"))) {
		fprintf(stderr, "usage: pingpong [--poll-timeout MS] socketpair|tcp ITERATIONS\n");
		return 2;
	}
	long iters = bench_count_arg(argv[2], "ITERATIONS");
	struct echo echo;
	int fd;
	if (!strcmp(argv[1], "tcp")) {
		fd = connect_tcp(&echo);
	} else {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
			bench_die("socketpair");
		fd = sv[0];
		echo.fd = sv[1];
		echo.listen_fd = -1;
	}
	pthread_t thread;
	if (pthread_create(&thread, NULL, echo_thread, &echo) != 0)
		bench_die("pthread_create");

	for (int i = 0; i < WARMUP; i++)
		round_trip(fd);
	struct bench_clock start = bench_start();
	for (long i = 0; i < iters; i++)
		round_trip(fd);
	struct bench_clock took = bench_since(start);

	close(fd);
	pthread_join(thread, NULL);
	if (echo.listen_fd >= 0)
		close(echo.listen_fd);
	bench_report(!strcmp(argv[1], "tcp") ? "pingpong-tcp" : "pingpong-socketpair", iters, took);
	return 0;
}

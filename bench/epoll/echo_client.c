/* An epoll echo client: CONNS connections to a loopback echo server, each
 * keeping one MSG-byte message in flight, until TRIPS round trips are done.
 *
 * Usage: epoll_echo_client PORT CONNS TRIPS [MSG]
 * Prints "ns_per_trip W cpu_ns_per_trip C best_block_ns_per_trip B": the
 * loop's wall time and the client thread's CPU time (user + system),
 * per round trip, and the wall time per trip of its fastest block of 1000
 * trips (the least disturbed by the rest of the machine).  The shape of
 * asyncio and libuv clients: non-blocking sockets, level-triggered
 * EPOLLIN registrations whose data is the fd, send right after each answer. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define BLOCK 1000 /* round trips per timed block */

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int connect_one(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("epoll_echo_client: connect to 127.0.0.1");
		exit(1);
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: epoll_echo_client PORT CONNS TRIPS [MSG]\n");
		return 2;
	}
	int port = atoi(argv[1]), conns = atoi(argv[2]);
	long trips = atol(argv[3]);
	size_t msg = argc > 4 ? (size_t)atol(argv[4]) : 64;
	if (conns < 1 || conns > MAX_CONNS || trips < 1 || msg < 1 || msg > 4096) {
		fprintf(stderr, "epoll_echo_client: CONNS 1..%d, TRIPS >= 1, MSG 1..4096\n", MAX_CONNS);
		return 2;
	}
	/* Bytes of the current answer received, by fd. */
	static size_t got[MAX_CONNS * 4];
	static int fds[MAX_CONNS];
	char out[4096], in[4096];
	memset(out, 'x', sizeof(out));
	int ep = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < conns; i++) {
		int fd = fds[i] = connect_one(port);
		struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
		if ((size_t)fd >= sizeof(got) / sizeof(got[0]) || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			fprintf(stderr, "epoll_echo_client: fd %d: cannot register\n", fd);
			return 1;
		}
	}
	struct epoll_event evs[MAX_CONNS];
	struct rusage ru0;
	getrusage(RUSAGE_THREAD, &ru0);
	int64_t cpu_before = (int64_t)(ru0.ru_utime.tv_sec + ru0.ru_stime.tv_sec) * 1000000000
			     + (int64_t)(ru0.ru_utime.tv_usec + ru0.ru_stime.tv_usec) * 1000;
	int64_t start = now_ns(), block_start = start, best_block = 0;
	long done = 0, sent = 0;
	/* One message in flight per connection. */
	for (int i = 0; i < conns && sent < trips; i++, sent++)
		if (send(fds[i], out, msg, MSG_NOSIGNAL) != (ssize_t)msg) {
			perror("epoll_echo_client: send");
			return 1;
		}
	while (done < trips) {
		int n = epoll_wait(ep, evs, MAX_CONNS, 5000);
		if (n <= 0) {
			fprintf(stderr, "epoll_echo_client: epoll_wait %d (%s) with %ld/%ld done\n", n,
				n ? strerror(errno) : "timeout", done, trips);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			ssize_t r = recv(fd, in, sizeof(in), 0);
			if (r <= 0) {
				if (r < 0 && errno == EAGAIN)
					continue;
				fprintf(stderr, "epoll_echo_client: recv: %s\n", r ? strerror(errno) : "EOF");
				return 1;
			}
			got[fd] += (size_t)r;
			if (got[fd] < msg)
				continue;
			got[fd] -= msg;
			done++;
			if (done % BLOCK == 0) {
				/* The least disturbed stretch of the run: other load
				 * on the machine only ever makes a block slower. */
				int64_t t = now_ns();
				if (!best_block || t - block_start < best_block)
					best_block = t - block_start;
				block_start = t;
			}
			if (sent < trips) {
				sent++;
				if (send(fd, out, msg, MSG_NOSIGNAL) != (ssize_t)msg) {
					perror("epoll_echo_client: send");
					return 1;
				}
			}
		}
	}
	int64_t wall = now_ns() - start;
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	int64_t cpu = (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000
		      + (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000 - cpu_before;
	printf("ns_per_trip %.0f cpu_ns_per_trip %.0f best_block_ns_per_trip %.0f\n",
	       (double)wall / (double)trips, (double)cpu / (double)trips,
	       best_block ? (double)best_block / BLOCK : (double)wall / (double)trips);
	return 0;
}

/* A program whose blocking is known in advance, for the analyzer tests.
 *
 *   blocker SILENT_PORT
 *
 * Against a peer that accepts and never answers:
 *   poll_three_times   3 x poll() with its own 200 ms timeout
 *   recv_five_times    5 x recv() with a 100 ms SO_RCVTIMEO
 *   recv_asks_two_s    1 x recv() with a 2 s SO_RCVTIMEO (capped by
 *                      WAITCAP_CAPS=recv=300ms: 1700 ms avoided)
 *   recv_asks_forever  1 x recv() with no timeout (capped: unbounded)
 *   recv_via_library   2 x netlib_recv_with_timeout(150 ms), a recv() in
 *                      a shared library (libanalyze_netlib.so)
 *
 * Each blocking call sits on a line marked CALLSITE(name), so the tests can
 * find the line the report must name. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define CALLSITE(name)

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static void set_recv_timeout_ms(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

__attribute__((noinline)) static int poll_three_times(int port)
{
	int fd = connect_to(port), ready = 0;
	for (int i = 0; i < 3; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ready += poll(&p, 1, 200); CALLSITE(poll_three_times)
	}
	close(fd);
	return ready;
}

__attribute__((noinline)) static int recv_five_times(int port)
{
	int fd = connect_to(port), got = 0;
	char buf[16];
	set_recv_timeout_ms(fd, 100);
	for (int i = 0; i < 5; i++)
		got += recv(fd, buf, sizeof(buf), 0) > 0; CALLSITE(recv_five_times)
	close(fd);
	return got;
}

__attribute__((noinline)) static int recv_asks_two_s(int port)
{
	int fd = connect_to(port);
	char buf[16];
	set_recv_timeout_ms(fd, 2000);
	int got = recv(fd, buf, sizeof(buf), 0) > 0; CALLSITE(recv_asks_two_s)
	close(fd);
	return got;
}

__attribute__((noinline)) static int recv_asks_forever(int port)
{
	int fd = connect_to(port);
	char buf[16];
	int got = recv(fd, buf, sizeof(buf), 0) > 0; CALLSITE(recv_asks_forever)
	close(fd);
	return got;
}

int netlib_recv_with_timeout(int fd, int ms);

__attribute__((noinline)) static int recv_via_library(int port)
{
	int fd = connect_to(port), got = 0;
	for (int i = 0; i < 2; i++)
		got += netlib_recv_with_timeout(fd, 150); CALLSITE(recv_via_library)
	close(fd);
	return got;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: blocker SILENT_PORT\n");
		return 2;
	}
	int port = atoi(argv[1]);
	int n = poll_three_times(port) + recv_five_times(port) + recv_asks_two_s(port) +
		recv_asks_forever(port) + recv_via_library(port);
	printf("done %d\n", n);
	return n == 0 ? 0 : 1;
}

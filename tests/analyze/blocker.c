/* A program whose blocking is known in advance, for the analyzer tests.
 *
 *   blocker SILENT_PORT [TIMES_FILE]
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
 * find the line the report must name.  TIMES_FILE gets "name total_ms" per
 * function as this program measured its own waits: on a busy machine a
 * 100 ms timeout takes a little longer, and the analyzer must report what
 * really happened. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"
#include "timing.h"

#define CALLSITE(name)

static double measured_ms[8];
enum { POLL3, RECV5, RECV2S, RECVFOREVER, VIALIB };

/* Time one blocking call into measured_ms[slot]. */
#define TIMED(slot, call) ({ int64_t t0_ = now_us(); __auto_type r_ = (call); \
			     measured_ms[slot] += (double)(now_us() - t0_) / 1e3; r_; })

static void set_recv_timeout_ms(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

__attribute__((noinline)) static int poll_three_times(int port)
{
	int fd = loopback_connect(port), ready = 0;
	for (int i = 0; i < 3; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ready += TIMED(POLL3, poll(&p, 1, 200)); CALLSITE(poll_three_times)
	}
	close(fd);
	return ready;
}

__attribute__((noinline)) static int recv_five_times(int port)
{
	int fd = loopback_connect(port), got = 0;
	char buf[16];
	set_recv_timeout_ms(fd, 100);
	for (int i = 0; i < 5; i++)
		got += TIMED(RECV5, recv(fd, buf, sizeof(buf), 0)) > 0; CALLSITE(recv_five_times)
	close(fd);
	return got;
}

__attribute__((noinline)) static int recv_asks_two_s(int port)
{
	int fd = loopback_connect(port);
	char buf[16];
	set_recv_timeout_ms(fd, 2000);
	int got = TIMED(RECV2S, recv(fd, buf, sizeof(buf), 0)) > 0; CALLSITE(recv_asks_two_s)
	close(fd);
	return got;
}

__attribute__((noinline)) static int recv_asks_forever(int port)
{
	int fd = loopback_connect(port);
	char buf[16];
	int got = TIMED(RECVFOREVER, recv(fd, buf, sizeof(buf), 0)) > 0; CALLSITE(recv_asks_forever)
	close(fd);
	return got;
}

int netlib_recv_with_timeout(int fd, int ms);

__attribute__((noinline)) static int recv_via_library(int port)
{
	int fd = loopback_connect(port), got = 0;
	for (int i = 0; i < 2; i++)
		got += TIMED(VIALIB, netlib_recv_with_timeout(fd, 150)); CALLSITE(recv_via_library)
	close(fd);
	return got;
}

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: blocker SILENT_PORT [TIMES_FILE]\n");
		return 2;
	}
	int port = atoi(argv[1]);
	int n = poll_three_times(port) + recv_five_times(port) + recv_asks_two_s(port) +
		recv_asks_forever(port) + recv_via_library(port);
	printf("done %d\n", n);
	if (argc == 3) {
		static const char *const names[] = { "poll_three_times", "recv_five_times",
			"recv_asks_two_s", "recv_asks_forever", "recv_via_library" };
		FILE *f = fopen(argv[2], "w");
		if (!f) {
			perror(argv[2]);
			return 2;
		}
		for (int i = 0; i <= VIALIB; i++)
			fprintf(f, "%s %.3f\n", names[i], measured_ms[i]);
		fclose(f);
	}
	return n == 0 ? 0 : 1;
}

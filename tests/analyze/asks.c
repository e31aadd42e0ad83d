/* One call site that asks for two different timeouts, for the max_asked
 * column: against a peer that never answers,
 *
 *   asks SILENT_PORT
 *
 * poll_asks_twice polls once with its own 200 ms timeout and once with
 * 700 ms, on the same line: the call site asked for at most 700 ms. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "loopback.h"

__attribute__((noinline)) static int poll_asks_twice(int port)
{
	static const int timeouts_ms[] = { 200, 700 };
	int fd = loopback_connect(port), ready = 0;
	for (int i = 0; i < 2; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ready += poll(&p, 1, timeouts_ms[i]);
	}
	close(fd);
	return ready;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: asks SILENT_PORT\n");
		return 2;
	}
	return poll_asks_twice(atoi(argv[1])) == 0 ? 0 : 1;
}

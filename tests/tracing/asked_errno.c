/* A preloaded program that asks for the tracer as `waitcap record` does
 * (1 in its own stats file's trace_wanted word), then makes successful
 * calls on a loopback TCP connection with errno set beforehand: the calls
 * that notice the ask must leave errno as the kernel would, untouched.
 * Exits 0 and prints "loaded" once the provider is mapped (so the ask was
 * really noticed); prints the first call that changed errno and exits 1. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "stats_layout.h"

#define CANARY 777

static int provider_mapped(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;
	while (f && !found && fgets(line, sizeof line, f))
		found = strstr(line, "libwaitcap-tp.so") != NULL;
	if (f)
		fclose(f);
	return found;
}

#define CHECK(call, ok)                                                               \
	do {                                                                          \
		errno = CANARY;                                                       \
		long rc_ = (long)(call);                                              \
		if (!(ok)) {                                                          \
			printf("%s returned %ld (errno %d)\n", #call, rc_, errno);    \
			return 2;                                                     \
		}                                                                     \
		if (errno != CANARY) {                                                \
			printf("%s succeeded (%ld) and changed errno to %d\n", #call, \
			       rc_, errno);                                           \
			return 1;                                                     \
		}                                                                     \
	} while (0)

int main(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&a, &alen))
		return 3;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, sizeof a), rc_ == 0);
	int s;
	CHECK(s = accept(l, NULL, NULL), rc_ >= 0);
	char byte;

	/* The ask, on a connection already made: the first call to notice it
	 * is the program's next send or receive. */
	const char *dir = getenv("WAITCAP_STATS_DIR");
	if (!dir)
		return 3;
	char path[4200];
	snprintf(path, sizeof path, "%s/%d", dir, (int)getpid());
	int stats = open(path, O_RDWR | O_CLOEXEC);
	uint32_t one = 1;
	if (stats < 0 || pwrite(stats, &one, sizeof one,
				offsetof(struct wc_stats_file, trace_wanted)) != sizeof one) {
		printf("cannot ask through %s\n", path);
		return 3;
	}
	close(stats);

	/* Bounded: 200 rounds, or until the provider is mapped and 20 more. */
	int after = -1;
	for (int round = 0; round < 200 && after < 20; round++) {
		struct pollfd p = {.fd = s, .events = POLLIN};
		CHECK(write(c, "y", 1), rc_ == 1);
		CHECK(read(s, &byte, 1), rc_ == 1);
		CHECK(poll(&p, 1, 5), rc_ == 0); /* a wait that ends by its timeout */
		CHECK(send(c, "x", 1, 0), rc_ == 1);
		CHECK(poll(&p, 1, 1000), rc_ == 1);
		CHECK(recv(s, &byte, 1, 0), rc_ == 1);
		if (after >= 0)
			after++;
		else if (provider_mapped())
			after = 0;
	}
	if (after < 0) {
		printf("the provider was never loaded: the ask was not noticed\n");
		return 4;
	}
	printf("loaded\n");
	return 0;
}

/* Resolves n0.test .. n<N-1>.test (getaddrinfo) for R rounds, printing its
 * resident memory once warm (after a tenth of the rounds: glibc's resolver
 * and malloc settle their own caches in the first ones) and after the last,
 * then resolves
 * backend.test and connects to it (port argv[3]), printing how long the
 * connect took and its errno:
 *   rss_warm_kib rss_last_kib connect_ms errno */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

static void resolve(const char *name, struct addrinfo **out)
{
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
	int rc = getaddrinfo(name, NULL, &hints, out);
	if (rc != 0) {
		fprintf(stderr, "getaddrinfo %s: %s\n", name, gai_strerror(rc));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int n = atoi(argv[1]), rounds = atoi(argv[2]);
	int warm = rounds / 10 > 0 ? rounds / 10 - 1 : 0;
	long first = 0;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			char name[32];
			struct addrinfo *ai;
			snprintf(name, sizeof name, "n%d.test", i);
			resolve(name, &ai);
			freeaddrinfo(ai);
		}
		if (r == warm)
			first = rss_kib();
	}
	long last = rss_kib();

	struct addrinfo *ai;
	resolve("backend.test", &ai);
	struct sockaddr_in *in = (struct sockaddr_in *)ai->ai_addr;
	in->sin_port = htons((uint16_t)atoi(argv[3]));
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
	int err = rc == 0 ? 0 : errno;
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	printf("%ld %ld %ld %d\n", first, last, ms, err);
	return 0;
}

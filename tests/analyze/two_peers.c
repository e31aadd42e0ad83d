/* A program that waits a known number of times on each of two peers, for
 * the views (--by peer, --by host,peer).
 *
 *   two_peers PORT_A N_A PORT_B N_B [PAUSE_MS [threads]]
 *
 * One connection per peer on 127.0.0.1; N recv() calls on each with a
 * 100 ms SO_RCVTIMEO of its own against a peer that never answers: N waits
 * that end on the program's timeout (app_timeout), per peer.  PAUSE_MS
 * (default 0) is slept before every recv on peer B, so that a live reader
 * sees B's call site appear after A's.  "threads": peer B is waited on by a
 * second thread, at the same time as A by the first. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Marks the line of a wait, for the tests (an_marker_line). */
#define CALLSITE(name)

static int connect_to(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
		perror("two_peers: connect");
		exit(1);
	}
	return fd;
}

static void wait_on_peer_a(int port)
{
	char c;
	int fd = connect_to(port);
	if (recv(fd, &c, 1, 0) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != ETIMEDOUT)) { CALLSITE(wait_on_peer_a)
		perror("two_peers: recv from A did not time out");
		exit(1);
	}
	close(fd);
}

static void wait_on_peer_b(int port)
{
	char c;
	int fd = connect_to(port);
	if (recv(fd, &c, 1, 0) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != ETIMEDOUT)) { CALLSITE(wait_on_peer_b)
		perror("two_peers: recv from B did not time out");
		exit(1);
	}
	close(fd);
}

struct peer_b {
	int port, n;
	long pause_ms;
};

static void *waits_on_b(void *arg)
{
	const struct peer_b *b = arg;
	for (int i = 0; i < b->n; i++) {
		struct timespec ts = { b->pause_ms / 1000, (b->pause_ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		if (b->pause_ms) {
			/* For a live reader's test: when B's wait begins. */
			printf("two_peers: waiting on B\n");
			fflush(stdout);
		}
		wait_on_peer_b(b->port);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: two_peers PORT_A N_A PORT_B N_B [PAUSE_MS]\n");
		return 2;
	}
	int a = atoi(argv[1]), b = atoi(argv[3]);
	int na = atoi(argv[2]), nb = atoi(argv[4]);
	struct peer_b pb = { b, nb, argc > 5 ? atol(argv[5]) : 0 };
	pthread_t thread;
	bool threaded = argc > 6 && strcmp(argv[6], "threads") == 0;
	if (threaded && pthread_create(&thread, NULL, waits_on_b, &pb) != 0) {
		fprintf(stderr, "two_peers: cannot start a thread\n");
		return 1;
	}
	for (int i = 0; i < na; i++)
		wait_on_peer_a(a);
	if (threaded)
		pthread_join(thread, NULL);
	else
		waits_on_b(&pb);
	printf("two_peers: done\n");
	return 0;
}

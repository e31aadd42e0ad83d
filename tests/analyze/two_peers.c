/* A program that waits a known number of times on each of two peers, for
 * the views (--by peer, --by host,peer).
 *
 *   two_peers PORT_A N_A PORT_B N_B [PAUSE_MS]
 *
 * One connection per peer on 127.0.0.1; N recv() calls on each with a
 * 100 ms SO_RCVTIMEO of its own against a peer that never answers: N waits
 * that end on the program's timeout (app_timeout), per peer.  PAUSE_MS
 * (default 0) is slept before every recv on peer B, so that a live reader
 * sees B's call site appear after A's. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

static void wait_on_peer_a(int fd)
{
	char c;
	if (recv(fd, &c, 1, 0) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		perror("two_peers: recv from A did not time out");
		exit(1);
	}
}

static void wait_on_peer_b(int fd)
{
	char c;
	if (recv(fd, &c, 1, 0) >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
		perror("two_peers: recv from B did not time out");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: two_peers PORT_A N_A PORT_B N_B [PAUSE_MS]\n");
		return 2;
	}
	int a = connect_to(atoi(argv[1])), b = connect_to(atoi(argv[3]));
	int na = atoi(argv[2]), nb = atoi(argv[4]);
	long pause_ms = argc > 5 ? atol(argv[5]) : 0;
	for (int i = 0; i < na; i++)
		wait_on_peer_a(a);
	for (int i = 0; i < nb; i++) {
		struct timespec ts = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
		nanosleep(&ts, NULL);
		wait_on_peer_b(b);
	}
	close(a);
	close(b);
	printf("two_peers: done\n");
	return 0;
}

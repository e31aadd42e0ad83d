/* churn: 16 threads hammering wrapped calls on fds that other threads
 * close, dup2 over and reopen, for a bounded time.  Passes when it ends
 * by itself with status 0 (no crash, no hang); run preloaded, and with
 * the library built under ASan and TSan.  Every fd is non-blocking: with
 * other threads dup2()ing over any fd at any time, a blocking call could
 * wait forever, bare as well as preloaded.
 *
 * It prints the number of operations done, then the shared objects of the
 * library and of a sanitizer runtime it has mapped ("mapped=PATH"): a
 * test can tell that the preload really took.
 *
 * usage: churn [MS]   (default 1500) */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "peers.h"

#define THREADS 16
/* Each thread dup2()s over and closes its own block of fd numbers: fd
 * numbers still move between threads through close and reuse, and the
 * table's slots are hammered side by side, but no two threads race on one
 * fd (a program bug, which ThreadSanitizer reports against the program). */
#define SHARED_LO 600
#define SHARED_N 8

static int port;
static atomic_long ops;
static struct timespec end;

static int expired(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec);
}

static int open_something(unsigned *seed)
{
	switch (rand_r(seed) % 4) {
	case 0: {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		connect(fd, (struct sockaddr *)&a, sizeof(a));
		return fd;
	}
	case 1: {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
			return -1;
		close(sv[1]);
		return sv[0];
	}
	case 2:
		return open("/dev/zero", O_RDONLY | O_NONBLOCK);
	default:
		return socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	}
}

static void use(int fd, int lo, unsigned *seed)
{
	char buf[256] = "ping";
	struct pollfd p = {fd, POLLIN | POLLOUT, 0};
	switch (rand_r(seed) % 9) {
	case 0:
		send(fd, buf, 4, MSG_DONTWAIT | MSG_NOSIGNAL);
		break;
	case 1:
		recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		break;
	case 2:
		poll(&p, 1, rand_r(seed) % 3);
		break;
	case 3: {
		int on = 1;
		ioctl(fd, FIONBIO, &on);
		break;
	}
	case 4:
		fcntl(fd, F_SETFL, O_NONBLOCK);
		read(fd, buf, sizeof(buf));
		break;
	case 5:
		dup2(fd, lo + rand_r(seed) % SHARED_N);
		break;
	case 6:
		close(lo + rand_r(seed) % SHARED_N);
		break;
	case 7: {
		fd_set r;
		FD_ZERO(&r);
		if (fd >= 0 && fd < FD_SETSIZE) {
			FD_SET(fd, &r);
			struct timeval tv = {0, 500};
			select(fd + 1, &r, NULL, NULL, &tv);
		}
		break;
	}
	default: {
		int d = dup(fd);
		write(d, buf, 1);
		close(d);
	}
	}
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(uintptr_t)arg;
	int lo = SHARED_LO + (int)(seed - 1) * SHARED_N;
	int mine[8];
	for (int i = 0; i < 8; i++)
		mine[i] = -1;
	for (long n = 0; n < 10000000 && !expired(); n++) {
		int k = rand_r(&seed) % 8;
		if (mine[k] < 0 || rand_r(&seed) % 16 == 0) {
			if (mine[k] >= 0)
				close(mine[k]);
			mine[k] = open_something(&seed);
		}
		if (mine[k] >= 0)
			use(mine[k], lo, &seed);
		/* Its block too: whatever dup2 left there. */
		use(lo + rand_r(&seed) % SHARED_N, lo, &seed);
		atomic_fetch_add(&ops, 1);
	}
	for (int i = 0; i < 8; i++)
		if (mine[i] >= 0)
			close(mine[i]);
	return NULL;
}

/* One "mapped=PATH" per object of interest in /proc/self/maps. */
static void print_mapped(void)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[4096], last[4096] = "";
	while (maps && fgets(line, sizeof line, maps)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		if ((strstr(path, "libwaitcap") || strstr(path, "san.so")) && strcmp(path, last)) {
			printf("mapped=%s\n", path);
			snprintf(last, sizeof last, "%s", path);
		}
	}
	if (maps)
		fclose(maps);
}

int main(int argc, char **argv)
{
	int ms = argc > 1 ? atoi(argv[1]) : 1500;
	signal(SIGPIPE, SIG_IGN); /* writes to closed peers are part of the churn */
	struct peer echo;
	if (peer_echo_server(&echo, 0) != 0) {
		perror("echo server");
		return 2;
	}
	port = echo.port;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (long)(ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int fd = SHARED_LO; fd < SHARED_LO + THREADS * SHARED_N; fd++)
		close(fd);
	peer_stop(&echo);
	printf("ops=%ld\n", atomic_load(&ops));
	print_mapped();
	return 0;
}

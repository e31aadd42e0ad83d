/* Connect/close churn on loopback: short-lived outbound connections, the
 * case where the library does the most per connection (classify the
 * socket, pick the caps, arm the connect deadline and the kernel backstop).
 *
 *   churn ITERATIONS
 *
 * Each iteration: socket, connect to 127.0.0.1, recv until the server's
 * close (EOF), close.  The server thread (raw syscalls) accepts and closes
 * at once, so TIME_WAIT stays on its side and the client's ephemeral ports
 * never run out. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_util.h"

#define WARMUP 100

static void *accept_and_close(void *arg)
{
	int listen_fd = *(int *)arg;
	for (;;) {
		int fd = raw_accept(listen_fd);
		if (fd < 0)
			break; /* shutdown() of the listener: we are done */
		raw_close(fd);
	}
	return NULL;
}

static void one_connection(const struct sockaddr_in *a)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		bench_die("socket");
	if (connect(fd, (const struct sockaddr *)a, sizeof *a) != 0)
		bench_die("connect to 127.0.0.1");
	char c;
	if (recv(fd, &c, 1, 0) != 0)
		bench_die("recv (expected the server's close)");
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: churn ITERATIONS\n");
		return 2;
	}
	long iters = bench_count_arg(argv[1], "ITERATIONS");
	int port;
	int listen_fd = bench_listen_loopback(&port);
	if (listen_fd < 0)
		bench_die("listen on 127.0.0.1");
	pthread_t thread;
	if (pthread_create(&thread, NULL, accept_and_close, &listen_fd) != 0)
		bench_die("pthread_create");
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

	for (int i = 0; i < WARMUP; i++)
		one_connection(&a);
	struct bench_clock start = bench_start();
	for (long i = 0; i < iters; i++)
		one_connection(&a);
	struct bench_clock took = bench_since(start);

	shutdown(listen_fd, SHUT_RDWR);
	pthread_join(thread, NULL);
	close(listen_fd);
	bench_report("churn", iters, took);
	return 0;
}

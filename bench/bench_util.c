/* Shared by the workloads: see bench_util.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"

extern char *program_invocation_short_name;

int64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t bench_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct bench_clock bench_start(void)
{
	return (struct bench_clock){.wall = bench_now_ns(), .cpu = bench_thread_cpu_ns()};
}

struct bench_clock bench_since(struct bench_clock start)
{
	return (struct bench_clock){.wall = bench_now_ns() - start.wall,
				    .cpu = bench_thread_cpu_ns() - start.cpu};
}

long bench_count_arg(const char *text, const char *what)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	if (errno || *end || n <= 0) {
		fprintf(stderr, "%s: %s '%s': expected a positive integer\n",
			program_invocation_short_name, what, text);
		exit(2);
	}
	return n;
}

void bench_die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(errno));
	exit(1);
}

void bench_report(const char *workload, long iters, struct bench_clock took)
{
	int64_t cpu = took.cpu, ns = took.wall;
	printf("BENCH workload=%s iters=%ld ns=%lld ns_per_iter=%.1f cpu_ns_per_iter=%.1f\n",
	       workload, iters, (long long)ns, (double)ns / (double)iters,
	       (double)cpu / (double)iters);
	fflush(stdout);
}

ssize_t raw_recv(int fd, void *buf, size_t len)
{
	return syscall(SYS_recvfrom, fd, buf, len, 0, NULL, NULL);
}

ssize_t raw_send(int fd, const void *buf, size_t len)
{
	return syscall(SYS_sendto, fd, buf, len, MSG_NOSIGNAL, NULL, 0);
}

int raw_accept(int fd)
{
	return (int)syscall(SYS_accept4, fd, NULL, NULL, SOCK_CLOEXEC);
}

int raw_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

int bench_listen_loopback(int *port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 128) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

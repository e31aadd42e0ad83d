/* What the benchmark workloads share: a clock, argument checks, the one
 * result line bench/run parses, and raw-syscall I/O for in-process peers.
 *
 * Peers (the echo side of a ping-pong, the accepting side of churn) call
 * the kernel through syscall(2), never through libc's wrapped names, so a
 * preloaded libwaitcap.so sees only the client's calls: the overhead
 * measured is the one a preloaded client pays.  Tracers (strace, perf
 * trace, bpftrace) see the whole process, peers included, as they would in
 * production. */
#ifndef WAITCAP_BENCH_UTIL_H
#define WAITCAP_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int64_t bench_now_ns(void);

/* CPU time of the calling thread (user + kernel): the client's own work,
 * much less disturbed by other load on the machine than wall time. */
int64_t bench_thread_cpu_ns(void);

/* A timed section: wall and the calling thread's CPU time. */
struct bench_clock {
	int64_t wall, cpu;
};
struct bench_clock bench_start(void);
/* Wall and CPU time since `start`. */
struct bench_clock bench_since(struct bench_clock start);

/* A positive count from argv, or exit(2) with one line naming what. */
long bench_count_arg(const char *text, const char *what);

/* Exit(1) with "PROG: WHAT: strerror(errno)". */
void bench_die(const char *what) __attribute__((noreturn));

/* The line bench/run reads, for a timed section that took `took`:
 * "BENCH workload=W iters=N ns=T ns_per_iter=X cpu_ns_per_iter=Y". */
void bench_report(const char *workload, long iters, struct bench_clock took);

/* Raw-syscall I/O for peers (not interposed by LD_PRELOAD). */
ssize_t raw_recv(int fd, void *buf, size_t len);
ssize_t raw_send(int fd, const void *buf, size_t len);
int raw_accept(int fd);
int raw_close(int fd);

/* A TCP listener on 127.0.0.1, ephemeral port; the port in *port. */
int bench_listen_loopback(int *port);

#endif

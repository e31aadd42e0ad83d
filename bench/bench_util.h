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

/* A positive count from argv, or exit(2) with one line naming what. */
long bench_count_arg(const char *text, const char *what);

/* Exit(1) with "PROG: WHAT: strerror(errno)". */
void bench_die(const char *what) __attribute__((noreturn));

/* The line bench/run reads: "BENCH workload=W iters=N ns=T ns_per_iter=X". */
void bench_report(const char *workload, long iters, int64_t ns);

/* Raw-syscall I/O for peers (not interposed by LD_PRELOAD). */
ssize_t raw_recv(int fd, void *buf, size_t len);
ssize_t raw_send(int fd, const void *buf, size_t len);
int raw_accept(int fd);
int raw_close(int fd);

/* A TCP listener on 127.0.0.1, ephemeral port; the port in *port. */
int bench_listen_loopback(int *port);

#endif

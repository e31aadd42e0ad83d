/* Live counters in the process's stats file (src/stats/stats_layout.h).
 *
 * The hooks sit where outcomes are decided: a wait ends (wait.c), a
 * deadline fires (wc_expire), a connect settles, a response deadline is
 * disarmed because data came.  Each is a relaxed atomic add into a shared
 * mapping: no lock, no malloc, no syscall.  A wait that ends ready costs
 * one add and reads no clock; only outcomes that already are off the fast
 * path (caps, timeouts, errors, connects) read the clock. */
#ifndef WAITCAP_STATS_H
#define WAITCAP_STATS_H

#include <stddef.h>

#include "fdtab.h"
#include "stats_layout.h"

/* NULL when counters are off (WAITCAP_STATS=0, or the file could not be
 * made safely). */
extern struct wc_stats_file *wc_stats;

#define WC_STAT_ADD(x, v) __atomic_fetch_add(&(x), (v), __ATOMIC_RELAXED)

/* Create this process's file (constructor; also re-made in a forked child). */
void wc_stats_init(const struct wc_policy *policy, bool secure);

/* The directory this process's stats file is in, NULL without one. */
const char *wc_stats_dir_in_use(void);

/* The stats row of a wait's op (folded at compile time for a constant);
 * WC_SOP_COUNT for ops not counted (accept). */
static inline unsigned wc_stats_op_of(enum wc_op op)
{
	return (unsigned)op < WC_OP_COUNT ? wc_stats_row_of[op] : WC_SOP_COUNT;
}

/* A wait ended (called by wc_wait_end when wc_stats is set, out of line so
 * that a wait's end costs a load and a branch with counters off).  begun:
 * its start if the caller had read the clock, else 0. */
void wc_stats_wait(unsigned op, int64_t begun, int err, enum wc_outcome outcome);

/* op's deadline fired on e (called by wc_expire). */
void wc_stats_expired(const struct wc_fd *e, enum wc_op op);

/* Observe mode: op's deadline passed on e and was not enforced. */
void wc_stats_would_cap(const struct wc_fd *e, enum wc_op op);

/* A capped connect settled, ok or failed (called by wc_connect_settled
 * while the connect deadline is still armed). */
void wc_stats_connected(const struct wc_fd *e, bool ok);

/* The response deadline is disarmed: data came.  Response time costs a
 * clock read, so it is sampled: every 16th response of a thread is timed
 * and counts 16 times (the histogram estimates all responses). */
#define WC_STATS_RESPONSE_SAMPLE 16
void wc_stats_response_sample(const struct wc_fd *e);
extern __thread unsigned wc_stats_tick __attribute__((tls_model("initial-exec")));

/* Automatic rollback counts every response of its destinations (e->dest
 * is set only then). */
void wc_stats_count_response(const struct wc_fd *e, uint64_t ref);

static inline void wc_stats_response(const struct wc_fd *e)
{
	uint64_t ref = LD(e->dest);
	if (WC_UNLIKELY(ref))
		wc_stats_count_response(e, ref);
	if (wc_stats && (wc_stats_tick++ % WC_STATS_RESPONSE_SAMPLE) == 0)
		wc_stats_response_sample(e);
}

/* e's destination row plus one (fdtab.h's wc_fd.dest), 0 without counters. */
uint64_t wc_stats_dest_ref(const struct wc_fd *e);

/* "127.0.0.1:8000" for a row, for messages. */
void wc_stats_dest_name(const struct wc_stats_dest *d, char *buf, size_t len);

#endif

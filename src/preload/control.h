/* Live control: caps lifted and restored without a restart.
 *
 * One 64-bit word says whether anything may be lifted: the first 8 bytes
 * of the control block in this process's stats file, that is the control
 * value written by `waitcap rollback` (--pid, or --all, which writes every
 * running process's word as well as the host file) and, beside it in the
 * same word, the library's own flags (a rollback noticed, destinations
 * lifted by automatic rollback).  A process started later copies the host
 * file's value into its word at start.  Where a cap is about to be applied
 * (wc_caps_lifted: a connect, arming a deadline or a call's bound, a
 * deadline due) the library reads it with one relaxed load; only when it is non-zero does it
 * look further (wc_control_lifts).  Without a stats file
 * (WAITCAP_STATS=0) the word is the host file's, mapped read-only. */
#ifndef WAITCAP_CONTROL_H
#define WAITCAP_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "preload.h"

#ifndef WC_UNLIKELY
#define WC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#endif

struct wc_fd;
struct wc_stats_file;
struct wc_stats_dest;

/* {control, flags} of struct wc_control, read as one word. */
extern const uint64_t *wc_ctl_word;
/* The library's flags (wc_control.pad): bit 0, a rollback was noticed (its
 * restore will be announced); the bits above, how many destinations
 * automatic rollback lifted. */
#define WC_CTL_NOTED 1u
#define WC_CTL_ONE_DEST 2u

static inline bool wc_control_quiet(void)
{
	return !LD(*wc_ctl_word);
}

/* True when caps are lifted for e now (a rollback, or its destination's
 * automatic rollback); then e's armed deadlines are dropped, so that
 * nothing fires after the rollback, nor at once after a restore.
 * Announces changes (stderr, stats mode, waitcap:config). */
bool wc_control_lifts(const struct wc_fd *e);

/* Where a cap is about to be applied (a connect, a deadline or a call's
 * bound being armed, a deadline due): one relaxed load while nothing is
 * rolled back. */
static inline bool wc_caps_lifted(const struct wc_fd *e)
{
	return WC_UNLIKELY(!wc_control_quiet()) && wc_control_lifts(e);
}

/* Map the host control file (constructor, after wc_stats_init). */
void wc_control_init(bool secure);

/* The process's stats file changed (start, fork): its control word. */
void wc_control_bind(struct wc_stats_file *s);

/* Automatic rollback: a deadline of d (row index idx) fired at now;
 * lift its caps if its timeout rate over the window is too high. */
void wc_rollback_evaluate(const struct wc_fd *e, struct wc_stats_dest *d, unsigned idx,
			  int64_t now);

#endif

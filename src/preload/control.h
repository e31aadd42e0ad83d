/* Live control: caps lifted and restored without a restart.
 *
 * Three words say whether anything may be lifted: this process's control
 * word (in its stats file, written by `waitcap rollback --pid`), the host
 * control file's (mapped read-only at start, written by `waitcap rollback
 * --all`), and a process-local word for automatic rollback.  Where a cap
 * is about to be applied (wc_fd_capped: connect, arming a deadline, a
 * wait's scan, expiry) the library reads them relaxed; only when one is
 * non-zero does it look further (wc_control_lifts). */
#ifndef WAITCAP_CONTROL_H
#define WAITCAP_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "preload.h"

struct wc_fd;
struct wc_stats_file;
struct wc_stats_dest;

extern const uint32_t *wc_ctl_proc; /* this process's ctl.control, or a zero word */
extern const uint32_t *wc_ctl_host; /* the host file's control, or a zero word */
/* Bit 0: a rollback was noticed (its restore will be announced); the
 * bits above: how many destinations automatic rollback lifted. */
extern uint32_t wc_ctl_local;
#define WC_CTL_NOTED 1u
#define WC_CTL_ONE_DEST 2u

static inline bool wc_control_quiet(void)
{
	return !(LD(*wc_ctl_proc) | LD(*wc_ctl_host) | LD(wc_ctl_local));
}

/* True when caps are lifted for e now (a rollback, or its destination's
 * automatic rollback); then e's armed deadlines are dropped, so that
 * nothing fires after the rollback, nor at once after a restore.
 * Announces changes (stderr, stats mode, waitcap:config). */
bool wc_control_lifts(const struct wc_fd *e);

/* Map the host control file (constructor, after wc_stats_init). */
void wc_control_init(bool secure);

/* The process's stats file changed (start, fork): its control word. */
void wc_control_bind(struct wc_stats_file *s);

/* Automatic rollback: a deadline of d (row index idx) fired at now;
 * lift its caps if its timeout rate over the window is too high. */
void wc_rollback_evaluate(const struct wc_fd *e, struct wc_stats_dest *d, unsigned idx,
			  int64_t now);

#endif

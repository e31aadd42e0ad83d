/* Profile reload: a changed profile file is applied by the running
 * process within a second or two, without a restart.
 *
 * A policy applies to a connection when it connects (its caps, its rule,
 * its rollback trigger are decided then), so the connect path is where
 * the file is looked at: the clock reading it takes anyway is compared
 * with wc_reload_due (one load and a compare), and at most once a second
 * the file is stat()ed; when it changed, it is parsed into a new policy
 * that replaces the active one as a whole (wc_policy_cur).  An invalid
 * file is reported once on stderr and the last good policy stays. */
#ifndef WAITCAP_RELOAD_H
#define WAITCAP_RELOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "preload.h"

/* CLOCK_MONOTONIC ns of the next look; INT64_MAX: never (the embedded
 * profile, or WAITCAP_RELOAD=0). */
extern int64_t wc_reload_due;

#define WC_RELOAD_EVERY_NS (1000 * WC_MS)

/* Remember the file the policy came from and its state (constructor). */
void wc_reload_init(const struct wc_policy *policy, wc_getenv_fn getenv_fn, bool secure);

/* Look at the file now (one thread at a time; the others go on). */
void wc_reload_check(int64_t now);

static inline void wc_reload_tick(int64_t now)
{
	if (WC_UNLIKELY(now >= LD(wc_reload_due)))
		wc_reload_check(now);
}

#endif

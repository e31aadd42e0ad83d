/* Profile reload: a changed profile file is applied by the running
 * process within a second or two, without a restart.
 *
 * The capping paths that already hold a clock reading (a deadline being
 * armed, a connect's caps being decided) compare it with wc_reload_due:
 * one load and a compare.  At most once a second one of them looks at the
 * file (stat); when it changed, it is parsed into a new policy that
 * replaces the active one as a whole (wc_policy_cur).  An invalid file is
 * reported once on stderr and the last good policy stays. */
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

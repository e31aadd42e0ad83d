/* Tracing seen from the wrappers: what happened, not how it is recorded.
 *
 * The wrappers fill a record and call wc_trace_*; trace.c turns it into an
 * LTTng-UST event (waitcap:wait, waitcap:expired, waitcap:phase,
 * waitcap:config; docs/tracing.md) through the provider library
 * (tracepoints/), which it dlopen()s at start unless WAITCAP_TRACE=0.  Nothing here touches LTTng
 * headers, so liblttng-ust is never mapped when tracing is off.
 */
#ifndef WAITCAP_TRACE_H
#define WAITCAP_TRACE_H

#include <stdbool.h>
#include <stdint.h>

/* The events are the provider's own structs (plain C, no LTTng header):
 * the wrappers fill them, nothing copies them field by field. */
#include "../../tracepoints/waitcap_emit.h"

struct wc_policy;

/* Non-zero while a session has waitcap:phase enabled (a zero until the
 * provider is loaded): the wrappers time phases only then. */
extern const volatile int *wc_phase_state;

static inline bool wc_trace_phase_enabled(void)
{
	return __builtin_expect(*wc_phase_state != 0, 0);
}

/* Minimum blocked time for a wait to be traced (WAITCAP_MIN_BLOCK,
 * default 1 ms).  Capped waits are traced whatever their duration. */
extern int64_t wc_trace_min_block_ns;

/* Called once from the library constructor, after the policy is loaded.
 * Reads WAITCAP_TRACE and WAITCAP_MIN_BLOCK, loads the provider, warms up
 * libunwind, and emits waitcap:config.  Returns 0 if tracing is available. */
int wc_trace_init(const struct wc_policy *policy);

/* True when the provider is loaded and some session enabled waitcap:wait
 * or waitcap:expired (a load of each one's state).  The wrappers time
 * their waits only when this holds or when a cap is in play. */
bool wc_trace_wait_enabled(void);

/* Emit waitcap:wait; ip: the program's call (the return address of the
 * exported symbol).  Captures the call stack (libunwind), dropping the
 * library's own frames.  Never blocks, never allocates. */
void wc_trace_wait(const struct waitcap_tp_wait *event, void *ip);

/* Emit waitcap:expired. */
void wc_trace_expired(const struct waitcap_tp_expired *event);

/* Emit waitcap:phase. */
void wc_trace_phase(const struct waitcap_tp_phase *event);

/* Emit waitcap:config: at start (wc_trace_init) and when reload.c applies
 * a changed profile file; trace.c emits the last one again, at most once a
 * second, along with traced events for sessions opened later. */
void wc_trace_config(const struct wc_policy *policy);

/* A rollback or restore happened (control.c): waitcap:config again, its
 * control field saying what (kept for the re-emitted copies). */
void wc_trace_control(const char *what);

#endif

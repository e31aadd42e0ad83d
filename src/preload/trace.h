/* Tracing seen from the wrappers: what happened, not how it is recorded.
 *
 * The wrappers fill the provider's event struct and call wc_trace_*;
 * trace.c turns it into an
 * LTTng-UST event (waitcap:wait, waitcap:expired, waitcap:phase,
 * waitcap:config; docs/tracing.md) through the provider library
 * (tracepoints/), which it dlopen()s when a session wants the process
 * (never with WAITCAP_TRACE=0).  Nothing here touches LTTng
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

/* Which events sessions enable, as WAITCAP_TP_* bits of waitcap_emit.h:
 * the provider's waitcap_tp_enabled() (LTTng's lttng_ust_tracepoint_enabled
 * for each event) once it is loaded.  Until then wc_trace_enabled_fn is
 * NULL and the question costs one load more: the process's trace_wanted
 * word, which `waitcap record` sets (wc_trace_enabled_asked: trace.c starts
 * loading the provider). */
extern uint32_t (*wc_trace_enabled_fn)(uint32_t which);
extern const uint32_t *wc_trace_wanted;
uint32_t wc_trace_enabled_asked(uint32_t which);

/* Which of the events in `which` are enabled (asking only those). */
static inline uint32_t wc_trace_enabled(uint32_t which)
{
	uint32_t (*enabled)(uint32_t) = __atomic_load_n(&wc_trace_enabled_fn, __ATOMIC_ACQUIRE);
	if (__builtin_expect(enabled != 0, 0))
		return enabled(which);
	if (__builtin_expect(__atomic_load_n(wc_trace_wanted, __ATOMIC_RELAXED) != 0, 0))
		return wc_trace_enabled_asked(which);
	return 0;
}

/* True while a session has waitcap:phase enabled: the wrappers time
 * phases only then. */
static inline bool wc_trace_phase_enabled(void)
{
	return __builtin_expect(wc_trace_enabled(WAITCAP_TP_PHASE) != 0, 0);
}

/* Minimum blocked time for a wait to be traced (WAITCAP_MIN_BLOCK,
 * default 1 ms).  Capped waits are traced whatever their duration. */
extern int64_t wc_trace_min_block_ns;

/* Called once from the library constructor, after the policy is loaded
 * and the stats file made.  Reads WAITCAP_TRACE and WAITCAP_MIN_BLOCK;
 * loads the provider now (WAITCAP_TRACE=1, a `waitcap record` running, no
 * stats file), warms up libunwind and emits waitcap:config, or leaves it
 * for later (trace.c: when `waitcap record` asks).  Returns 0 if tracing
 * is available now or later. */
int wc_trace_init(const struct wc_policy *policy);

/* libunwind's one-time set-up, at start (its pipe, its errno): before any
 * stack walk, also the loader's signal-handler check (trace_load.c). */
void wc_trace_unwind_init(void);

/* True when the provider is loaded and some session enabled waitcap:wait
 * or waitcap:expired (and while it is being loaded late): the wrappers
 * time their waits only when this holds or when a cap is in play. */
static inline bool wc_trace_wait_enabled(void)
{
	return __builtin_expect(wc_trace_enabled(WAITCAP_TP_WAIT | WAITCAP_TP_EXPIRED) != 0, 0);
}

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

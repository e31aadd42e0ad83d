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

struct wc_policy;

struct wc_wait_record {
	const char *op;      /* connect, accept, recv, send, poll, select, epoll,
			      * resolve */
	const char *func;    /* the libc name called: "recv", "__poll_chk", ... */
	int fd;              /* the socket; for poll/select/epoll the capped
			      * socket that bounded the wait, else the first
			      * network socket in the set */
	const char *peer;    /* "127.0.0.1:8000", "[::1]:443", or "" */
	const char *rule;    /* matched rule name, or "" */
	int64_t timeout_ms;  /* the program's own timeout, -1 for none */
	int64_t cap_ms;      /* the cap that bounded this wait, -1 for none */
	int64_t dur_ns;      /* how long the call blocked */
	const char *outcome; /* ready, app_timeout, capped, error, interrupted */
	int64_t ret;         /* the return value the program sees */
	int err;             /* errno the program sees (0 when ret >= 0) */
	void *ip;            /* the program's call: return address of the
			      * exported symbol */
	const char *name;    /* resolve: the name (or address) asked; NULL */
};

struct wc_expired_record {
	const char *op;      /* connect, recv or send: which deadline fired */
	int fd;
	const char *peer;
	const char *rule;
	int64_t cap_ms;
	int64_t waited_ns;   /* since the deadline was armed */
	void *armed_ip;      /* the connect or send that armed the deadline */
	int observed;        /* observe mode: nothing was cut */
};

struct wc_phase_record {
	const char *op;      /* connect, recv (the response) or send */
	int fd;
	const char *peer;
	const char *rule;
	int64_t cap_ms;      /* -1: none (legacy) */
	int64_t dur_ns;
	const char *outcome; /* completed, error, app_timeout, capped, closed */
	int would_cap;       /* observe mode: its deadline passed */
	const char *mode;    /* capping, observe, legacy */
	void *armed_ip;
};

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

/* Emit waitcap:wait.  Captures the call stack (libunwind), dropping the
 * library's own frames.  Never blocks, never allocates. */
void wc_trace_wait(const struct wc_wait_record *record);

/* Emit waitcap:expired. */
void wc_trace_expired(const struct wc_expired_record *record);

/* Emit waitcap:phase. */
void wc_trace_phase(const struct wc_phase_record *record);

/* Emit waitcap:config: at start (wc_trace_init) and when reload.c applies
 * a changed profile file; trace.c emits the last one again, at most once a
 * second, along with traced events for sessions opened later. */
void wc_trace_config(const struct wc_policy *policy);

/* A rollback or restore happened (control.c): waitcap:config again, its
 * control field saying what (kept for the re-emitted copies). */
void wc_trace_control(const char *what);

#endif

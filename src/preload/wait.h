/* One wrapped call that may block: timing, outcome, and its trace event.
 *
 * Calls pay nothing for it unless a session has waitcap:wait enabled: only
 * then is a wait timed, and it is traced when it blocked at least
 * WAITCAP_MIN_BLOCK or was capped. */
#ifndef WAITCAP_WAIT_H
#define WAITCAP_WAIT_H

#include "fdtab.h"
#include "stats.h"
#include "trace.h"

struct wc_wait {
	int64_t start;      /* 0: not timed */
	enum wc_op op;
	const char *func;
	void *ip;
	int fd;
	struct wc_fd *e;    /* the socket named in the event, may be NULL */
	int64_t timeout_ms; /* the program's own, -1 none */
	int64_t cap_ms;     /* the cap that bounded the wait, -1 none */
	int64_t begun;      /* the caller's clock reading at the start, 0 none */
	unsigned stats_op;  /* the stats row of op (a constant where op is) */
	const char *name;   /* resolve: the name asked; NULL for socket ops (the
			     * trace then gives the peer's resolved name) */
};

/* now: the caller's clock reading at the start, 0 (read it if needed), or
 * -1: a call that does not wait (non-blocking), never timed nor traced. */
static inline void wc_wait_begin(struct wc_wait *w, enum wc_op op, const char *func, void *ip,
				 int fd, struct wc_fd *e, int64_t timeout_ms, int64_t now)
{
	w->op = op;
	w->func = func;
	w->ip = ip;
	w->fd = fd;
	w->e = e;
	w->timeout_ms = timeout_ms;
	w->cap_ms = -1;
	w->begun = now > 0 ? now : 0;
	w->stats_op = wc_stats_op_of(op);
	w->name = NULL;
	w->start = now >= 0 && wc_trace_wait_enabled() ? (now ? now : wc_now_ns()) : 0;
}

/* Record the outcome; emits waitcap:wait when warranted.  errno is kept. */
void wc_wait_end(struct wc_wait *w, int64_t ret, int err, enum wc_outcome outcome);

/* The usual outcome of a call that returned ret with errno err. */
enum wc_outcome wc_outcome_of(int64_t ret, int err);

/* A wrapper's outcome before it knows one of its own: wc_outcome_of's then. */
#define WC_OUT_UNDECIDED WC_OUT_COUNT

/* Emit waitcap:expired for a deadline that fired outside a blocking call. */
void wc_trace_expiry(int fd, struct wc_fd *e, enum wc_op op, int64_t now);

#endif

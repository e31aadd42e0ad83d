/* The vocabulary of waitcap: the ops it wraps and the outcomes of a wait
 * or a phase, each declared once, here, as a list.
 *
 * Everything else iterates over these lists: the enums below, the names in
 * wc_vocab.c, the profile's cap names (src/profile), the stats file's op
 * rows (src/stats), the provider's enumeration fields (tracepoints/) and
 * the analyzer (tools/analyze).  An enum's value is what a trace records:
 * values are only ever appended, never reordered.
 *
 * Plain C, no allocation: the preload library includes it too. */
#ifndef WAITCAP_VOCAB_H
#define WAITCAP_VOCAB_H

#include <stddef.h>

/* X(ID, "name").  The order is a contract:
 * - connect, recv, send first: a socket carries a deadline for each of them
 *   (WC_SOCKET_OPS; fdtab.h sizes its per-socket arrays by it);
 * - then resolve: a profile caps exactly the ops before WC_CAP_OPS (a lookup
 *   has no destination yet, so rules never carry it);
 * - then the waits on sets of fds and accept, which are traced and counted
 *   but never capped on their own. */
#define WC_OPS(X) \
	X(CONNECT, "connect") \
	X(RECV, "recv") \
	X(SEND, "send") \
	X(RESOLVE, "resolve") \
	X(POLL, "poll") \
	X(SELECT, "select") \
	X(EPOLL, "epoll") \
	X(ACCEPT, "accept")

enum wc_op {
#define WC_OP_ENUM_(id, name) WC_OP_##id,
	WC_OPS(WC_OP_ENUM_)
#undef WC_OP_ENUM_
	WC_OP_COUNT
};

#define WC_SOCKET_OPS (WC_OP_SEND + 1) /* connect, recv, send */
#define WC_CAP_OPS (WC_OP_RESOLVE + 1) /* ... and resolve */

/* How a wait (waitcap:wait) or a socket's phase (waitcap:phase) ended.
 * ready first: it is the common end of a wait, and zero is the cheapest
 * value to test.  A wait ends ready, app_timeout, capped, error or
 * interrupted; a phase completed, error, app_timeout, capped or closed. */
#define WC_OUTCOMES(X) \
	X(READY, "ready") \
	X(APP_TIMEOUT, "app_timeout") \
	X(CAPPED, "capped") \
	X(ERROR, "error") \
	X(INTERRUPTED, "interrupted") \
	X(COMPLETED, "completed") \
	X(CLOSED, "closed")

enum wc_outcome {
#define WC_OUT_ENUM_(id, name) WC_OUT_##id,
	WC_OUTCOMES(WC_OUT_ENUM_)
#undef WC_OUT_ENUM_
	WC_OUT_COUNT
};

/* The names, indexed by the enums (a prefix of wc_op_names is a list too:
 * the first WC_CAP_OPS are the keys of a profile's "caps"). */
extern const char *const wc_op_names[WC_OP_COUNT];
extern const char *const wc_outcome_names[WC_OUT_COUNT];

/* The name of op or outcome; "?" out of range. */
const char *wc_op_name(enum wc_op op);
const char *wc_outcome_name(enum wc_outcome outcome);

/* The names of the first count ops joined by ", " into buf, for messages
 * ("connect, recv, send"); returns buf. */
#define WC_OP_LIST_MAX 96
const char *wc_op_list(char *buf, size_t len, int count);

/* The op or outcome called name (an exact match); -1 for none. */
int wc_op_parse(const char *name);
int wc_outcome_parse(const char *name);

#endif

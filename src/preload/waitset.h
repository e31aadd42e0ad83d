/* What poll, select and epoll share: the per-socket steps of a wait on a
 * set of fds (which deadline bounds it, what readiness settles, which
 * sockets expired). */
#ifndef WAITCAP_WAITSET_H
#define WAITCAP_WAITSET_H

#include "deadline.h"
#include "wait.h"

/* The running summary of a set, filled by wc_ws_scan for each fd. */
struct wc_ws {
	int64_t earliest;   /* earliest armed deadline in the set, 0 none */
	int bound_fd;       /* the socket with that deadline (or first net fd) */
	struct wc_fd *bound_e;
	enum wc_op bound_op;
	bool has_net;       /* a network socket is in the set: trace it */
	bool has_capped;    /* a capped socket: take the slow path */
	int npending;       /* sockets already timed out, reported at once */
	/* A wait for input on one socket with no response deadline armed is
	 * bounded by the recv cap for the length of the wait: the bound is the
	 * call's (on its stack, kept across rescans), never the socket's, so it
	 * ends however the call ends. */
	struct wc_fd *call_e;
	int64_t call_bound;
};

/* Look at one fd of the set.  alone_in: the set is this socket alone,
 * waiting for input, which bounds the wait by the recv cap (call_e).  now
 * may be 0: the clock is then read only if a deadline is armed, so that a
 * set with no capped socket costs no clock read. */
void wc_ws_scan(struct wc_ws *ws, int fd, bool alone_in, int64_t now, void *ip);

/* After the real wait: readiness the kernel reported settles deadlines
 * (input disarms the response deadline, output the send deadline, any
 * event on a connecting socket settles the connect). */
void wc_ws_settle(int fd, struct wc_fd *e, bool in, bool out, bool err);

/* Should this socket be reported timed out now?  Expires it if its
 * deadline passed (emitting waitcap:expired), and says which op's cap
 * fired in *op.  *now is read from the clock if 0 and a deadline needs it. */
bool wc_ws_timed_out(int fd, struct wc_fd *e, int64_t *now, enum wc_op *op);

/* The call's own bound on call_e passed with no input: expire the socket. */
bool wc_ws_call_expired(struct wc_ws *ws, int fd, struct wc_fd *e, int64_t *now);

/* The real wait's timeout: until the program's deadline (-1: none) or the
 * earliest socket deadline, whichever comes first; 0 if a socket is
 * already due.  Returns -1 for "no timeout". */
int64_t wc_ws_wait_ns(const struct wc_ws *ws, int64_t prog_deadline, int64_t now);

#endif

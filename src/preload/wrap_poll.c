/* poll, ppoll, select, pselect (+ fortify): waits on sets of fds.
 *
 * A set with no capped socket costs one table lookup per fd.  Otherwise the
 * wait is shortened to the earliest deadline among its capped sockets;
 * sockets past their deadline come back ready with an error (POLLERR plus
 * the events awaited); everything else in the set is untouched. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/select.h>

#include "real.h"
#include "waitset.h"

extern void __chk_fail(void) __attribute__((noreturn));

/* The program's timeout as an absolute deadline: -1 none, else ns. */
static int64_t prog_deadline_ms(int timeout_ms, int64_t now)
{
	return timeout_ms < 0 ? -1 : now + (int64_t)timeout_ms * WC_MS;
}

static int64_t prog_deadline_ts(const struct timespec *ts, int64_t now)
{
	if (!ts)
		return -1;
	return now + (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* ---- poll family ------------------------------------------------------- */

static int poll_scan(struct pollfd *fds, nfds_t n, struct wc_ws *ws, int64_t now, void *ip)
{
	struct wc_fd *call_e = ws->call_e; /* the call's bound outlives rescans */
	int64_t call_bound = ws->call_bound;
	memset(ws, 0, sizeof(*ws));
	ws->call_e = call_e;
	ws->call_bound = call_bound;
	ws->bound_fd = -1;
	for (nfds_t i = 0; i < n; i++)
		if (fds[i].fd >= 0)
			wc_ws_scan(ws, fds[i].fd, n == 1 && (fds[i].events & POLLIN), now, ip);
	return 0;
}

/* After the real wait: settle what the kernel reported, report expired
 * sockets.  Returns how many entries became ready through a cap. */
static int poll_merge(struct pollfd *fds, nfds_t n, struct wc_ws *ws, int64_t *now,
		      struct wc_wait *w)
{
	int added = 0;
	for (nfds_t i = 0; i < n; i++) {
		struct wc_fd *e = fds[i].fd >= 0 ? wc_fd_net(fds[i].fd) : NULL;
		if (!e || !wc_fd_capped(e))
			continue;
		short rev = fds[i].revents;
		wc_ws_settle(fds[i].fd, e, rev & POLLIN, rev & POLLOUT, rev & (POLLERR | POLLHUP));
		enum wc_op op = WC_OP_RECV;
		if (!wc_ws_timed_out(fds[i].fd, e, now, &op)
		    && ((rev & POLLIN) || !wc_ws_call_expired(ws, fds[i].fd, e, now)))
			continue;
		if (!rev)
			added++;
		/* What the kernel reports for a connection it timed out itself:
		 * the socket is shut down now, so ask it, plus the error. */
		int saved = errno;
		struct pollfd k = {.fd = fds[i].fd, .events = fds[i].events};
		if (real_poll(&k, 1, 0) < 0)
			k.revents = (short)(fds[i].events & (POLLIN | POLLOUT));
		errno = saved;
		fds[i].revents = (short)(rev | k.revents | POLLERR);
		w->fd = fds[i].fd;
		w->e = e;
		w->cap_ms = LD(e->cap_ms[op]);
	}
	return added;
}

static int wc_poll_set(struct pollfd *fds, nfds_t n, int timeout_ms, const struct timespec *ts,
		       const sigset_t *mask, bool is_ppoll, const char *func, void *ip)
{
	nfds_t i = 0;
	while (i < n && (fds[i].fd < 0 || wc_fd_is_other(fds[i].fd)))
		i++;
	if (i == n || !wc_active()) /* no network socket in the set: libc's poll */
		return is_ppoll ? real_ppoll(fds, n, ts, mask) : real_poll(fds, n, timeout_ms);
	struct wc_ws ws = {.call_e = NULL};
	poll_scan(fds, n, &ws, 0, ip);
	bool nonblock = is_ppoll ? ts && !ts->tv_sec && !ts->tv_nsec : timeout_ms == 0;
	int64_t own_ms = is_ppoll ? (ts ? ts->tv_sec * 1000 + ts->tv_nsec / 1000000 : -1) : timeout_ms;
	struct wc_wait w;
	if (!ws.has_capped) {
		if (!ws.has_net || nonblock || !wc_trace_wait_enabled())
			return is_ppoll ? real_ppoll(fds, n, ts, mask) : real_poll(fds, n, timeout_ms);
		wc_wait_begin(&w, WC_OP_POLL, func, ip, ws.bound_fd, ws.bound_e, own_ms, 0);
		int r = is_ppoll ? real_ppoll(fds, n, ts, mask) : real_poll(fds, n, timeout_ms);
		int err = errno;
		wc_wait_end(&w, r, err, r == 0 ? WC_OUT_APP_TIMEOUT : wc_outcome_of(r, err));
		errno = err;
		return r;
	}

	int64_t now = wc_now_ns();
	int64_t prog = is_ppoll ? prog_deadline_ts(ts, now) : prog_deadline_ms(timeout_ms, now);
	wc_wait_begin(&w, WC_OP_POLL, func, ip, ws.bound_fd, ws.bound_e, own_ms, nonblock ? -1 : now);
	int r, err = 0;
	enum wc_outcome outcome = WC_OUT_READY; /* unless a branch below decides otherwise */
	for (;;) {
		int64_t wait = wc_ws_wait_ns(&ws, prog, now);
		struct timespec wts = wc_ns_to_timespec(wait < 0 ? 0 : wait);
		r = real_ppoll(fds, n, wait < 0 ? NULL : &wts, mask);
		if (r < 0) {
			err = errno;
			outcome = wc_outcome_of(r, err);
			break;
		}
		now = 0; /* read only if a deadline or the program's timeout needs it */
		int added = poll_merge(fds, n, &ws, &now, &w);
		if (added || (r && w.cap_ms >= 0)) {
			r += added;
			outcome = WC_OUT_CAPPED;
			break;
		}
		if (r == 0 && !now)
			now = wc_now_ns();
		if (r > 0 || (prog >= 0 && now >= prog)) {
			if (!r)
				outcome = WC_OUT_APP_TIMEOUT;
			break;
		}
		poll_scan(fds, n, &ws, now, ip); /* woke early: deadlines moved */
	}
	wc_wait_end(&w, r, err, outcome);
	if (r < 0)
		errno = err;
	return r;
}

WC_EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	wc_real_ensure();
	return wc_poll_set(fds, n, timeout, NULL, NULL, false, "poll", WC_CALLER());
}

WC_EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts, const sigset_t *mask)
{
	wc_real_ensure();
	return wc_poll_set(fds, n, 0, ts, mask, true, "ppoll", WC_CALLER());
}

WC_EXPORT int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	wc_real_ensure();
	return wc_poll_set(fds, n, timeout, NULL, NULL, false, "__poll_chk", WC_CALLER());
}

WC_EXPORT int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *ts,
			  const sigset_t *mask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < n)
		__chk_fail();
	wc_real_ensure();
	return wc_poll_set(fds, n, 0, ts, mask, true, "__ppoll_chk", WC_CALLER());
}

/* ---- select family ----------------------------------------------------- */

struct fdsets {
	fd_set *r, *w, *x;
};

static void select_scan(int nfds, const struct fdsets *s, struct wc_ws *ws, int64_t now, void *ip)
{
	memset(ws, 0, sizeof(*ws));
	ws->bound_fd = -1;
	for (int fd = 0; fd < nfds; fd++) {
		bool in = s->r && FD_ISSET(fd, s->r);
		if (in || (s->w && FD_ISSET(fd, s->w)) || (s->x && FD_ISSET(fd, s->x)))
			wc_ws_scan(ws, fd, false, now, ip);
	}
}

static int count_bits(int nfds, const struct fdsets *s)
{
	int n = 0;
	for (int fd = 0; fd < nfds; fd++)
		n += (s->r && FD_ISSET(fd, s->r)) + (s->w && FD_ISSET(fd, s->w))
		     + (s->x && FD_ISSET(fd, s->x));
	return n;
}

/* Settle and report expired sockets; wanted holds the sets as the program
 * passed them, s the sets as the kernel returned them. */
static bool select_merge(int nfds, const struct fdsets *s, const fd_set *want_r,
			 const fd_set *want_w, int64_t *now, struct wc_wait *w)
{
	bool any = false;
	for (int fd = 0; fd < nfds; fd++) {
		bool wr = want_r && FD_ISSET(fd, want_r), ww = want_w && FD_ISSET(fd, want_w);
		if (!wr && !ww)
			continue;
		struct wc_fd *e = wc_fd_net(fd);
		if (!e || !wc_fd_capped(e))
			continue;
		bool in = s->r && FD_ISSET(fd, s->r), out = s->w && FD_ISSET(fd, s->w);
		wc_ws_settle(fd, e, in, out, false);
		enum wc_op op;
		if (!wc_ws_timed_out(fd, e, now, &op))
			continue;
		/* An error makes a socket both readable and writable. */
		if (wr)
			FD_SET(fd, s->r);
		if (ww)
			FD_SET(fd, s->w);
		any = true;
		w->fd = fd;
		w->e = e;
		w->cap_ms = LD(e->cap_ms[op]);
	}
	return any;
}

static int wc_select_set(int nfds, fd_set *r, fd_set *wr, fd_set *x, struct timeval *tv,
			 const struct timespec *ts, const sigset_t *mask, bool is_pselect,
			 const char *func, void *ip)
{
#define REAL_SELECT() (is_pselect ? real_pselect(nfds, r, wr, x, ts, mask) \
				  : real_select(nfds, r, wr, x, tv))
	if (!wc_active() || nfds <= 0 || nfds > FD_SETSIZE)
		return REAL_SELECT();
	struct fdsets s = {r, wr, x};
	struct wc_ws ws;
	select_scan(nfds, &s, &ws, 0, ip);
	struct timespec prog_ts;
	const struct timespec *pts = ts;
	if (!is_pselect && tv) {
		prog_ts.tv_sec = tv->tv_sec;
		prog_ts.tv_nsec = tv->tv_usec * 1000;
		pts = &prog_ts;
	}
	bool nonblock = pts && !pts->tv_sec && !pts->tv_nsec;
	int64_t own_ms = pts ? pts->tv_sec * 1000 + pts->tv_nsec / 1000000 : -1;
	struct wc_wait w;
	if (!ws.has_capped) {
		if (!ws.has_net || nonblock || !wc_trace_wait_enabled())
			return REAL_SELECT();
		wc_wait_begin(&w, WC_OP_SELECT, func, ip, ws.bound_fd, ws.bound_e, own_ms, 0);
		int res = REAL_SELECT();
		int err = errno;
		wc_wait_end(&w, res, err, res == 0 ? WC_OUT_APP_TIMEOUT : wc_outcome_of(res, err));
		errno = err;
		return res;
	}
#undef REAL_SELECT

	fd_set want_r, want_w, want_x;
	if (r)
		want_r = *r;
	if (wr)
		want_w = *wr;
	if (x)
		want_x = *x;
	int64_t now = wc_now_ns();
	int64_t prog = prog_deadline_ts(pts, now);
	wc_wait_begin(&w, WC_OP_SELECT, func, ip, ws.bound_fd, ws.bound_e, own_ms, nonblock ? -1 : now);
	int res, err = 0;
	enum wc_outcome outcome;
	for (;;) {
		int64_t wait = wc_ws_wait_ns(&ws, prog, now);
		struct timespec wts = wc_ns_to_timespec(wait < 0 ? 0 : wait);
		res = real_pselect(nfds, r, wr, x, wait < 0 ? NULL : &wts, mask);
		if (res < 0) {
			err = errno;
			outcome = wc_outcome_of(res, err);
			break;
		}
		now = 0;
		if (select_merge(nfds, &s, r ? &want_r : NULL, wr ? &want_w : NULL, &now, &w)) {
			res = count_bits(nfds, &s);
			outcome = WC_OUT_CAPPED;
			break;
		}
		if (!now)
			now = wc_now_ns(); /* also for the time left, below */
		if (res > 0 || (prog >= 0 && now >= prog)) {
			outcome = res ? WC_OUT_READY : WC_OUT_APP_TIMEOUT;
			break;
		}
		if (r)
			*r = want_r; /* woke early: wait again on the same sets */
		if (wr)
			*wr = want_w;
		if (x)
			*x = want_x;
		select_scan(nfds, &s, &ws, now, ip);
	}
	if (!is_pselect && tv && res >= 0) {
		/* Linux reports the time not slept. */
		int64_t left = prog > now ? prog - now : 0;
		tv->tv_sec = left / 1000000000;
		tv->tv_usec = (left % 1000000000) / 1000;
	}
	wc_wait_end(&w, res, err, outcome);
	if (res < 0)
		errno = err;
	return res;
}

WC_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
	wc_real_ensure();
	return wc_select_set(nfds, r, w, x, tv, NULL, NULL, false, "select", WC_CALLER());
}

WC_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *ts,
		      const sigset_t *mask)
{
	wc_real_ensure();
	return wc_select_set(nfds, r, w, x, NULL, ts, mask, true, "pselect", WC_CALLER());
}

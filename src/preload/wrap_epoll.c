/* epoll_create, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2.
 *
 * Event loops (asyncio, libuv, Java NIO) keep their timers in user space
 * and wait in epoll_wait() on many sockets, so the socket deadlines must
 * reach into epoll.  epoll_ctl is mirrored for candidate sockets
 * (epoll_reg.h); a wait on a set holding a capped one is shortened to the
 * earliest armed deadline.  A socket past its deadline is expired (shut
 * down), which makes the kernel itself report it with the program's own
 * epoll_data and its own EPOLLONESHOT/EPOLLET rules; the library adds
 * EPOLLERR (plus the awaited events) to the kernel's report for as long as
 * the socket's ETIMEDOUT is pending.  Readiness the kernel reports settles
 * deadlines as in poll.  Every other wait costs one load.
 *
 * Here: the call as the program made it, and the wait loop.  Before the
 * wait: epoll_scan.h; after it: epoll_settle.h. */
#include <errno.h>
#include <sys/epoll.h>

#include "deadline.h"
#include "epoll_scan.h"
#include "epoll_settle.h"
#include "real.h"

/* One program call, as the program made it. */
struct ep_call {
	int epfd;
	struct epoll_event *events;
	int maxevents;
	const sigset_t *mask;
	enum { EP_WAIT, EP_PWAIT, EP_PWAIT2 } kind;
	int timeout_ms;                 /* epoll_wait, epoll_pwait */
	const struct timespec *timeout; /* epoll_pwait2 */
	const char *func;
	void *ip;
};

static int ep_real(const struct ep_call *c)
{
	switch (c->kind) {
	case EP_WAIT:
		return real_epoll_wait(c->epfd, c->events, c->maxevents, c->timeout_ms);
	case EP_PWAIT:
		return real_epoll_pwait(c->epfd, c->events, c->maxevents, c->timeout_ms, c->mask);
	case EP_PWAIT2:
		break;
	}
	return real_epoll_pwait2(c->epfd, c->events, c->maxevents, c->timeout, c->mask);
}

/* The real wait into ev[0..max), for wait_ns (-1: no timeout), through
 * the function the program called. */
static int ep_real_for(const struct ep_call *c, struct epoll_event *ev, int max, int64_t wait_ns)
{
	if (c->kind == EP_PWAIT2) {
		struct timespec ts = wc_ns_to_timespec(wait_ns < 0 ? 0 : wait_ns);
		return real_epoll_pwait2(c->epfd, ev, max, wait_ns < 0 ? NULL : &ts, c->mask);
	}
	int ms = wait_ns < 0 ? -1 : wc_ms_until(wait_ns, 0);
	if (c->kind == EP_PWAIT)
		return real_epoll_pwait(c->epfd, ev, max, ms, c->mask);
	return real_epoll_wait(c->epfd, ev, max, ms);
}

/* Sockets just shut down are ready in the kernel now: collect them (and
 * whatever else is ready) behind the r events already there, merging an
 * fd reported twice into one event. */
static int ep_collect(const struct ep_call *c, uint32_t si, int r, struct wc_wait *w)
{
	if (r >= c->maxevents)
		return r; /* no room: the kernel reports them next time */
	int saved = errno;
	int more = ep_real_for(c, c->events + r, c->maxevents - r, 0);
	errno = saved;
	int n = r;
	for (int j = r; j < r + (more > 0 ? more : 0); j++) {
		struct epoll_event ev = c->events[j];
		if (!wc_ep_event(si, &ev, w))
			continue;
		int i = 0;
		while (i < n && c->events[i].data.u64 != ev.data.u64)
			i++;
		if (i < n)
			c->events[i].events |= ev.events;
		else
			c->events[n++] = ev;
	}
	return n;
}

static int64_t prog_deadline(const struct ep_call *c, int64_t now, int64_t *own_ms)
{
	if (c->kind == EP_PWAIT2) {
		if (!c->timeout) {
			*own_ms = -1;
			return -1;
		}
		int64_t ns = (int64_t)c->timeout->tv_sec * 1000000000 + c->timeout->tv_nsec;
		*own_ms = ns / WC_MS;
		return now + ns;
	}
	*own_ms = c->timeout_ms < 0 ? -1 : c->timeout_ms;
	return c->timeout_ms < 0 ? -1 : now + (int64_t)c->timeout_ms * WC_MS;
}

static int wc_epoll_wait(const struct ep_call *c)
{
	uint32_t si;
	if (!wc_active() || !c->events || c->maxevents <= 0 || !wc_ep_set_of(c->epfd, &si))
		return ep_real(c);
	int64_t now = wc_now_ns(), own_ms;
	struct ep_scan sc;
	wc_ep_bound(si, &sc, now);
	if (!sc.has_capped && sc.fresh)
		return ep_real(c);

	int64_t prog = prog_deadline(c, now, &own_ms);
	bool nonblock = prog >= 0 && prog <= now;
	struct wc_wait w;
	wc_wait_begin(&w, WC_OP_EPOLL, c->func, c->ip, sc.bound_fd, sc.bound_e, own_ms, nonblock ? -1 : 0);
	int r, err = 0;
	enum wc_outcome outcome;
	for (;;) {
		bool by_prog = prog >= 0 && prog <= sc.bound;
		int64_t until = by_prog ? prog : sc.bound;
		int64_t wait = until > now ? until - now : 0;
		r = ep_real_for(c, c->events, c->maxevents, wait);
		if (r < 0) {
			err = errno;
			outcome = wc_outcome_of(r, err);
			break;
		}
		now = wc_now_ns();
		r = wc_ep_events(si, c->events, 0, r, &w);
		if (now >= sc.bound) {
			/* Past what the last scan knew: look at every socket. */
			wc_ep_full_scan(si, &sc, now);
			if (sc.earliest && now >= sc.earliest && wc_ep_expire(si, now, &w))
				r = ep_collect(c, si, r, &w);
		}
		if (r > 0 && w.cap_ms >= 0) {
			outcome = WC_OUT_CAPPED;
			break;
		}
		if (r > 0 || (prog >= 0 && now >= prog)) {
			outcome = r ? WC_OUT_READY : WC_OUT_APP_TIMEOUT;
			break;
		}
		/* Woke for a bound that did not fire (settled, moved, or only a
		 * look), or for events dropped: the program asked to wait on. */
		wc_ep_bound(si, &sc, now);
	}
	wc_wait_end(&w, r, err, outcome);
	if (r < 0)
		errno = err;
	return r;
}

/* ---- exported symbols -------------------------------------------------- */

WC_EXPORT int epoll_create(int size)
{
	wc_real_ensure();
	int fd = real_epoll_create(size);
	if (fd >= 0)
		wc_ep_created(fd);
	return fd;
}

WC_EXPORT int epoll_create1(int flags)
{
	wc_real_ensure();
	int fd = real_epoll_create1(flags);
	if (fd >= 0)
		wc_ep_created(fd);
	return fd;
}

WC_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	wc_real_ensure();
	int r = real_epoll_ctl(epfd, op, fd, ev);
	if (r == 0 && wc_active())
		wc_ep_ctl(epfd, op, fd, ev);
	return r;
}

WC_EXPORT int epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	wc_real_ensure();
	struct ep_call c = {.epfd = epfd, .events = events, .maxevents = maxevents,
			    .kind = EP_WAIT, .timeout_ms = timeout, .func = "epoll_wait",
			    .ip = WC_CALLER()};
	return wc_epoll_wait(&c);
}

WC_EXPORT int epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
			  const sigset_t *mask)
{
	wc_real_ensure();
	struct ep_call c = {.epfd = epfd, .events = events, .maxevents = maxevents, .mask = mask,
			    .kind = EP_PWAIT, .timeout_ms = timeout, .func = "epoll_pwait",
			    .ip = WC_CALLER()};
	return wc_epoll_wait(&c);
}

WC_EXPORT int epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
			   const struct timespec *timeout, const sigset_t *mask)
{
	wc_real_ensure();
	struct ep_call c = {.epfd = epfd, .events = events, .maxevents = maxevents, .mask = mask,
			    .kind = EP_PWAIT2, .timeout = timeout, .func = "epoll_pwait2",
			    .ip = WC_CALLER()};
	return wc_epoll_wait(&c);
}

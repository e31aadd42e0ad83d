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
 * deadlines as in poll.  Every other wait costs one load. */
#include <errno.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "epoll_reg.h"
#include "real.h"
#include "waitset.h"

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

/* ---- before the wait: which deadline bounds it ------------------------- */

struct ep_scan {
	int64_t earliest;   /* earliest armed deadline among the set's sockets */
	int64_t bound;      /* no deadline can come before this */
	int bound_fd;
	struct wc_fd *bound_e;
	bool has_capped;
	bool fresh;         /* from a scan of every socket, not the cache */
};

static inline void ep_scan_socket(struct ep_scan *sc, uint32_t ri, int fd, struct wc_fd *e,
				  int64_t now);

/* One registration's socket: its single fd's slot straight from the
 * member array (the common case), else every fd of its node. */
static inline void ep_scan_member(struct ep_scan *sc, uint32_t ri, int32_t fd, int64_t now)
{
	if (fd >= 0) {
		if ((uint32_t)fd < wc_fdtab_size)
			ep_scan_socket(sc, ri, fd, &wc_fdtab[fd], now);
		return;
	}
	if (!ri || ri >= WC_EP_MAX_REGS)
		return;
	uint32_t ni = LD(wc_ep_regs[ri].node);
	if (!ni || ni >= WC_EP_MAX_NODES)
		return;
	for (int k = 0; k < WC_EP_NODE_FDS; k++) {
		struct wc_fd *e = wc_ep_node_slot(&wc_ep_nodes[ni], ni, k, &fd);
		if (!e)
			break;
		ep_scan_socket(sc, 0, fd, e, now);
	}
}

/* The slot is read without checking that it still is the registered
 * socket (that costs two more cache lines per socket): a stale future
 * deadline only wakes the wait early.  A due one is checked, so that a
 * stale slot can never make the wait spin. */
static inline void ep_scan_socket(struct ep_scan *sc, uint32_t ri, int fd, struct wc_fd *e,
				  int64_t now)
{
	uint8_t flags = LD(e->flags);
	if (!(flags & WC_F_CAPPED))
		return;
	if (!sc->has_capped) {
		sc->has_capped = true;
		sc->bound_fd = fd;
		sc->bound_e = e;
	}
	if (flags & WC_F_PENDING)
		return; /* shut down already: the kernel reports it */
	int64_t d = 0;
	for (int i = 0; i < WC_OP_COUNT; i++) {
		int64_t di = LD(e->deadline[i]);
		if (di && (!d || di < d))
			d = di;
	}
	if (!d || (sc->earliest && d >= sc->earliest))
		return;
	if (d <= now && ri) {
		uint32_t ni = LD(wc_ep_regs[ri].node);
		int f;
		if (!ni || ni >= WC_EP_MAX_NODES || wc_ep_node_slot(&wc_ep_nodes[ni], ni, 0, &f) != e)
			return;
	}
	sc->earliest = d;
	sc->bound_fd = fd;
	sc->bound_e = e;
}

static void ep_scan_once(uint32_t si, struct ep_scan *sc, int64_t now)
{
	*sc = (struct ep_scan){.bound_fd = -1};
	const struct wc_ep_set *set = &wc_ep_sets[si];
	const uint32_t *members = __atomic_load_n(&set->members, __ATOMIC_ACQUIRE);
	const int32_t *member_fd = __atomic_load_n(&set->member_fd, __ATOMIC_ACQUIRE);
	uint32_t n = LD(set->nregs);
	if (!members || !member_fd)
		return;
	if (n > WC_EP_SET_CAP)
		n = WC_EP_SET_CAP;
	/* The slots are cold after the previous wait's syscall: ask for a
	 * few ahead so that their cache misses overlap. */
	enum { AHEAD = 8 };
	for (uint32_t i = 0; i < n && i < AHEAD; i++) {
		int32_t fd = LD(member_fd[i]);
		if ((uint32_t)fd < wc_fdtab_size)
			__builtin_prefetch(&wc_fdtab[fd].flags);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (i + AHEAD < n) {
			int32_t ahead = LD(member_fd[i + AHEAD]);
			if ((uint32_t)ahead < wc_fdtab_size) {
				__builtin_prefetch(&wc_fdtab[ahead].flags);
				__builtin_prefetch(&wc_fdtab[ahead].deadline[WC_OP_COUNT - 1]);
			}
		}
		ep_scan_member(sc, LD(members[i]), LD(member_fd[i]), now);
	}
}

/* The set may change under a concurrent epoll_ctl: read it again when its
 * sequence count moved (a few times; a miss only delays a cap). */
static bool ep_scan(uint32_t si, struct ep_scan *sc, int64_t now, uint32_t *seq_seen)
{
	struct wc_ep_set *set = &wc_ep_sets[si];
	for (int tries = 0; tries < 4; tries++) {
		uint32_t seq = __atomic_load_n(&set->seq, __ATOMIC_ACQUIRE);
		ep_scan_once(si, sc, now);
		if (!(seq & 1) && __atomic_load_n(&set->seq, __ATOMIC_ACQUIRE) == seq) {
			*seq_seen = seq;
			return true;
		}
	}
	return false;
}

/* The shortest cap of the policy: a deadline armed from now on comes no
 * sooner than now + this. */
static int64_t min_cap_ns(void)
{
	static int64_t cached = -1;
	int64_t v = LD(cached);
	if (v >= 0)
		return v;
	int32_t m = INT32_MAX;
	for (int op = 0; op < WC_OP_COUNT; op++) {
		int32_t c = wc_policy.caps.ms[op];
		if (c != WC_NO_CAP && c < m)
			m = c;
		for (int r = 0; r < wc_policy.nrules && r < WC_MAX_RULES; r++) {
			c = wc_policy.rules[r].caps.ms[op];
			if (c != WC_NO_CAP && c < m)
				m = c;
		}
	}
	/* Below 10 ms, idle sets would be looked at too often; a deadline
	 * armed meanwhile is then late by what the cap is shorter. */
	v = (int64_t)(m < 10 ? 10 : m) * WC_MS;
	ST(cached, v);
	return v;
}

/* Scan every socket of the set, and leave what was found for the waits
 * that follow: until the set changes or the bound passes, they need not
 * scan again (deadlines armed later come no sooner than now + min cap). */
static void ep_full_scan(uint32_t si, struct ep_scan *sc, int64_t now)
{
	uint32_t seq;
	bool consistent = ep_scan(si, sc, now, &seq);
	int64_t later = now + min_cap_ns();
	sc->bound = sc->earliest && sc->earliest < later ? sc->earliest : later;
	sc->fresh = true;
	struct wc_ep_set *set = &wc_ep_sets[si];
	uint32_t idle = 0;
	if (!consistent || !__atomic_compare_exchange_n(&set->cache_busy, &idle, 1, false,
							 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return; /* another wait is writing it: it will do */
	__atomic_fetch_add(&set->cache_ver, 1, __ATOMIC_ACQ_REL);
	ST(set->cache_seq, seq);
	ST(set->cache_fd, sc->bound_fd);
	ST(set->cache_bound, sc->bound);
	ST(set->cache_earliest, sc->earliest);
	ST(set->cache_capped, sc->has_capped);
	__atomic_fetch_add(&set->cache_ver, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&set->cache_busy, 0, __ATOMIC_RELEASE);
}

/* What bounds a wait starting now: the cache while it holds, else a
 * full scan.  A pool of idle sockets is scanned once per min cap, not
 * on every wait. */
static void ep_bound(uint32_t si, struct ep_scan *sc, int64_t now)
{
	struct wc_ep_set *set = &wc_ep_sets[si];
	uint32_t ver = __atomic_load_n(&set->cache_ver, __ATOMIC_ACQUIRE);
	if (!(ver & 1)) {
		uint32_t seq = LD(set->cache_seq);
		int fd = LD(set->cache_fd);
		int64_t bound = LD(set->cache_bound), earliest = LD(set->cache_earliest);
		bool capped = LD(set->cache_capped);
		if (__atomic_load_n(&set->cache_ver, __ATOMIC_ACQUIRE) == ver
		    && seq == __atomic_load_n(&set->seq, __ATOMIC_ACQUIRE) && now < bound) {
			*sc = (struct ep_scan){.earliest = earliest, .bound = bound, .bound_fd = fd,
					       .bound_e = fd >= 0 ? wc_fd_slot(fd) : NULL,
					       .has_capped = capped, .fresh = false};
			return;
		}
	}
	ep_full_scan(si, sc, now);
}

/* ---- after the wait: settle, expire, report ---------------------------- */

/* One event the kernel reported: its readiness settles the socket's
 * deadlines; a socket whose ETIMEDOUT is pending reports EPOLLERR.
 * Returns false for an event to drop: the shut-down socket of an EPOLLET
 * registration signalling again after its expiry was reported. */
static bool ep_event(uint32_t si, struct epoll_event *ev, struct wc_wait *w)
{
	struct wc_ep_reg *reg = wc_ep_find(si, ev->data.u64);
	if (!reg)
		return true;
	uint32_t ni = LD(reg->node), got = ev->events;
	if (!ni || ni >= WC_EP_MAX_NODES)
		return true;
	const struct wc_ep_node *node = &wc_ep_nodes[ni];
	for (int k = 0; k < WC_EP_NODE_FDS; k++) {
		int fd;
		struct wc_fd *e = wc_ep_node_slot(node, ni, k, &fd);
		if (!e)
			break;
		if (!wc_fd_capped(e))
			continue;
		wc_ws_settle(fd, e, got & EPOLLIN, got & EPOLLOUT, got & (EPOLLERR | EPOLLHUP));
		if (!(LD(e->flags) & WC_F_PENDING))
			continue;
		if (LD(reg->events) & EPOLLET) {
			if (LD(reg->et_reported))
				return false;
			ST(reg->et_reported, 1);
		}
		ev->events |= EPOLLERR | (LD(reg->events) & (EPOLLIN | EPOLLOUT));
		if (w->cap_ms < 0) {
			w->fd = fd;
			w->e = e;
			w->cap_ms = LD(e->cap_ms[WC_OP_RECV]);
		}
		break;
	}
	return true;
}

/* Settle and mark events [from, r); dropped ones are squeezed out. */
static int ep_events(uint32_t si, struct epoll_event *events, int from, int r, struct wc_wait *w)
{
	enum { AHEAD = 4 };
	int n = from;
	for (int i = from; i < r; i++) {
		/* The slots named by the next events are cold after the
		 * syscall: start loading them now. */
		if (i + AHEAD < r) {
			uint32_t fd = (uint32_t)events[i + AHEAD].data.u64;
			if (fd < wc_fdtab_size)
				__builtin_prefetch(&wc_fdtab[fd].epoll_ref);
		}
		if (ep_event(si, &events[i], w))
			events[n++] = events[i];
	}
	return n;
}

/* Is the socket still waiting for what op's deadline guards?  The answer
 * may have come without being reported to this wait (maxevents, another
 * thread's wait, no registration for it): then the deadline is settled,
 * not fired. */
static bool still_waiting(int fd, struct wc_fd *e, enum wc_op op)
{
	short want = op == WC_OP_RECV ? POLLIN : POLLOUT;
	struct pollfd p = {.fd = fd, .events = want};
	int saved = errno;
	int r = real_poll(&p, 1, 0);
	errno = saved;
	if (r <= 0)
		return true;
	if (op == WC_OP_CONNECT)
		wc_connect_settled(fd, e, !(p.revents & (POLLERR | POLLHUP)));
	else if (p.revents & want)
		wc_deadline_disarm(e, op);
	return LD(e->deadline[op]) != 0;
}

/* Expire every socket of the set past its deadline.  Returns how many. */
static int ep_expire(uint32_t si, int64_t now, struct wc_wait *w)
{
	int expired = 0;
	const struct wc_ep_set *set = &wc_ep_sets[si];
	const uint32_t *members = __atomic_load_n(&set->members, __ATOMIC_ACQUIRE);
	uint32_t n = LD(set->nregs);
	for (uint32_t i = 0; members && i < n && i < WC_EP_SET_CAP; i++) {
		uint32_t ri = LD(members[i]);
		if (!ri || ri >= WC_EP_MAX_REGS)
			continue;
		uint32_t ni = LD(wc_ep_regs[ri].node);
		if (!ni || ni >= WC_EP_MAX_NODES)
			continue;
		const struct wc_ep_node *node = &wc_ep_nodes[ni];
		enum wc_op op = WC_OP_RECV;
		int fired = -1;
		for (int k = 0; k < WC_EP_NODE_FDS && fired < 0; k++) {
			int fd;
			struct wc_fd *e = wc_ep_node_slot(node, ni, k, &fd);
			if (!e)
				break;
			if (!wc_fd_capped(e) || (LD(e->flags) & WC_F_PENDING))
				continue;
			int64_t d = wc_deadline_earliest(e, &op);
			if (!d || now < d || !still_waiting(fd, e, op))
				continue;
			if (!wc_ws_timed_out(fd, e, now, &op))
				continue;
			fired = k;
			expired++;
			w->fd = fd;
			w->e = e;
			w->cap_ms = LD(e->cap_ms[op]);
		}
		/* The socket's other fds (dups) time out with it. */
		for (int k = 0; fired >= 0 && k < WC_EP_NODE_FDS; k++) {
			int fd;
			struct wc_fd *e = wc_ep_node_slot(node, ni, k, &fd);
			if (!e)
				break;
			if (k != fired && wc_fd_capped(e) && !(LD(e->flags) & WC_F_PENDING))
				wc_expire(fd, e, op);
		}
	}
	return expired;
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
		if (!ep_event(si, &ev, w))
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
	ep_bound(si, &sc, now);
	if (!sc.has_capped && sc.fresh)
		return ep_real(c);

	int64_t prog = prog_deadline(c, now, &own_ms);
	bool nonblock = prog >= 0 && prog <= now;
	struct wc_wait w;
	wc_wait_begin(&w, "epoll", c->func, c->ip, sc.bound_fd, sc.bound_e, own_ms,
		      sc.earliest && !nonblock);
	int r, err = 0;
	const char *outcome;
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
		r = ep_events(si, c->events, 0, r, &w);
		if (now >= sc.bound) {
			/* Past what the last scan knew: look at every socket. */
			ep_full_scan(si, &sc, now);
			if (sc.earliest && now >= sc.earliest && ep_expire(si, now, &w))
				r = ep_collect(c, si, r, &w);
		}
		if (r > 0 && w.cap_ms >= 0) {
			outcome = "capped";
			break;
		}
		if (r > 0 || (prog >= 0 && now >= prog)) {
			outcome = r ? "ready" : "app_timeout";
			break;
		}
		/* Woke for a bound that did not fire (settled, moved, or only a
		 * look), or for events dropped: the program asked to wait on. */
		ep_bound(si, &sc, now);
	}
	wc_wait_end(&w, r, err, outcome);
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

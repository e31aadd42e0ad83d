/* Before an epoll wait: which deadline bounds it (see epoll_scan.h). */
#include "epoll_scan.h"

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
	for (int i = 0; i < WC_SOCKET_OPS; i++) {
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
				__builtin_prefetch(&wc_fdtab[ahead].deadline[WC_SOCKET_OPS - 1]);
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
	/* Per policy: a reload (reload.c) may bring shorter caps. */
	static int64_t cached = -1;
	static const struct wc_policy *cached_for;
	const struct wc_policy *p = wc_policy_now();
	int64_t v = LD(cached);
	if (v >= 0 && LD(cached_for) == p)
		return v;
	int32_t m = INT32_MAX;
	for (int op = 0; op < WC_SOCKET_OPS; op++) {
		int32_t c = p->caps.ms[op];
		if (c != WC_NO_CAP && c < m)
			m = c;
		for (int r = 0; r < p->nrules && r < WC_MAX_RULES; r++) {
			c = p->rules[r].caps.ms[op];
			if (c != WC_NO_CAP && c < m)
				m = c;
		}
	}
	/* Below 10 ms, idle sets would be looked at too often; a deadline
	 * armed meanwhile is then late by what the cap is shorter. */
	v = (int64_t)(m < 10 ? 10 : m) * WC_MS;
	ST(cached, v);
	ST(cached_for, p);
	return v;
}

/* Scan every socket of the set, and leave what was found for the waits
 * that follow: until the set changes or the bound passes, they need not
 * scan again (deadlines armed later come no sooner than now + min cap). */
void wc_ep_full_scan(uint32_t si, struct ep_scan *sc, int64_t now)
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
void wc_ep_bound(uint32_t si, struct ep_scan *sc, int64_t now)
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
	wc_ep_full_scan(si, sc, now);
}

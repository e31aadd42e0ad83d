/* After an epoll wait: settle, mark, expire (see epoll_settle.h). */
#include <errno.h>
#include <poll.h>

#include "epoll_settle.h"
#include "real.h"
#include "waitset.h"

/* One event the kernel reported: its readiness settles the socket's
 * deadlines; a socket whose ETIMEDOUT is pending reports EPOLLERR.
 * Returns false for an event to drop: the shut-down socket of an EPOLLET
 * registration signalling again after its expiry was reported. */
bool wc_ep_event(uint32_t si, struct epoll_event *ev, struct wc_wait *w)
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
int wc_ep_events(uint32_t si, struct epoll_event *events, int from, int r, struct wc_wait *w)
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
		if (wc_ep_event(si, &events[i], w))
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
int wc_ep_expire(uint32_t si, int64_t now, struct wc_wait *w)
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
			if (!wc_ws_timed_out(fd, e, &now, &op))
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

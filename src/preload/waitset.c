/* Per-socket steps shared by the poll, select and epoll wrappers. */
#include "waitset.h"

void wc_ws_scan(struct wc_ws *ws, int fd, bool alone_in, int64_t now, void *ip)
{
	struct wc_fd *e = wc_fd_net(fd);
	if (!e)
		return;
	if (!ws->has_net) {
		ws->has_net = true;
		if (!ws->bound_e) {
			ws->bound_fd = fd;
			ws->bound_e = e;
		}
	}
	if (!wc_fd_capped(e))
		return;
	if (LD(e->flags) & WC_F_PENDING) {
		ws->npending++;
		ws->has_capped = true;
		return;
	}
	if (alone_in && LD(e->role) == WC_ROLE_OUTBOUND && !LD(e->deadline[WC_OP_RECV])) {
		wc_deadline_arm(e, WC_OP_RECV, now ? now : wc_now_ns(), ip);
		ws->armed_e = e;
		ws->armed_deadline = LD(e->deadline[WC_OP_RECV]);
	}
	enum wc_op op = WC_OP_RECV;
	int64_t d = wc_deadline_earliest(e, &op);
	if (!d)
		return;
	ws->has_capped = true;
	if (!ws->earliest || d < ws->earliest) {
		ws->earliest = d;
		ws->bound_fd = fd;
		ws->bound_e = e;
		ws->bound_op = op;
	}
}

void wc_ws_settle(int fd, struct wc_fd *e, bool in, bool out, bool err)
{
	if (LD(e->role) == WC_ROLE_CONNECTING && (in || out || err))
		wc_connect_settled(fd, e, !err);
	if (in)
		wc_deadline_disarm(e, WC_OP_RECV);
	if (out)
		wc_deadline_disarm(e, WC_OP_SEND);
}

bool wc_ws_timed_out(int fd, struct wc_fd *e, int64_t *now, enum wc_op *op)
{
	if (LD(e->flags) & WC_F_PENDING) {
		*op = WC_OP_RECV;
		return true;
	}
	int64_t d = wc_deadline_earliest(e, op);
	if (!d)
		return false;
	if (!*now)
		*now = wc_now_ns();
	if (*now < d)
		return false;
	wc_trace_expiry(fd, e, *op, *now);
	return wc_expire(fd, e, *op);
}

int64_t wc_ws_wait_ns(const struct wc_ws *ws, int64_t prog_deadline, int64_t now)
{
	if (ws->npending)
		return 0;
	int64_t until = ws->earliest;
	if (prog_deadline >= 0 && (!until || prog_deadline < until))
		until = prog_deadline;
	if (!until && prog_deadline < 0)
		return -1;
	return until > now ? until - now : 0;
}

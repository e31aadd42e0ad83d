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
	(void)ip;
	if (alone_in && !ws->call_e && LD(e->role) == WC_ROLE_OUTBOUND
	    && !LD(e->deadline[WC_OP_RECV]) && LD(e->cap_ms[WC_OP_RECV]) != WC_NO_CAP
	    && !wc_caps_lifted(e)) {
		ws->call_e = e;
		ws->call_bound = (now ? now : wc_now_ns()) + (int64_t)LD(e->cap_ms[WC_OP_RECV]) * WC_MS;
	}
	enum wc_op op = WC_OP_RECV;
	int64_t d = wc_deadline_earliest(e, &op);
	if (e == ws->call_e && ws->call_bound && (!d || ws->call_bound < d)) {
		d = ws->call_bound;
		op = WC_OP_RECV;
	}
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
	if (wc_deadline_progressed(fd, e, *op, *now))
		return false; /* the request is still going out */
	if (!wc_policy_now()->observe) /* wc_observe_due traces its own */
		wc_trace_expiry(fd, e, *op, *now);
	return wc_expire(fd, e, *op);
}

bool wc_ws_call_expired(struct wc_ws *ws, int fd, struct wc_fd *e, int64_t *now)
{
	if (e != ws->call_e || !ws->call_bound)
		return false;
	if (!*now)
		*now = wc_now_ns();
	if (*now < ws->call_bound)
		return false;
	if (WC_UNLIKELY(wc_policy_now()->observe)) {
		/* Noted once; the rest of the call waits as the program asked. */
		wc_observe_due(fd, e, WC_OP_RECV);
		ws->call_bound = 0;
		return false;
	}
	return wc_expire(fd, e, WC_OP_RECV);
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

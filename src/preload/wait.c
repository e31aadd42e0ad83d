/* Timing and tracing of waits. */
#include <errno.h>

#include "stats.h"
#include "wait.h"

const char *wc_outcome_of(int64_t ret, int err)
{
	if (ret >= 0)
		return "ready";
	if (err == EINTR)
		return "interrupted";
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS)
		return "app_timeout";
	return "error";
}

void wc_wait_end(struct wc_wait *w, int64_t ret, int err, const char *outcome)
{
	wc_stats_wait(w->op, w->start ? w->start : w->begun, err, outcome);
	if (!w->start)
		return;
	int64_t dur = wc_now_ns() - w->start;
	bool capped = w->cap_ms >= 0 && outcome[0] == 'c';
	if (dur < wc_trace_min_block_ns && !capped)
		return;
	if (!wc_trace_wait_enabled())
		return;
	int saved = errno;
	char peer[64];
	wc_guard++;
	wc_fd_peer_string(w->e, peer, sizeof(peer));
	struct wc_wait_record r = {
		.op = w->op, .func = w->func, .fd = w->fd, .peer = peer,
		.rule = wc_fd_rule_name(w->e), .timeout_ms = w->timeout_ms,
		.cap_ms = w->cap_ms, .dur_ns = dur, .outcome = outcome,
		.ret = ret, .err = ret < 0 ? err : 0, .ip = w->ip,
	};
	wc_trace_wait(&r);
	wc_guard--;
	errno = saved;
}

void wc_trace_expiry(int fd, struct wc_fd *e, enum wc_op op, int64_t now)
{
	if (!wc_trace_wait_enabled())
		return;
	int saved = errno;
	char peer[64];
	wc_guard++;
	wc_fd_peer_string(e, peer, sizeof(peer));
	struct wc_expired_record r = {
		.op = wc_op_name(op), .fd = fd, .peer = peer, .rule = wc_fd_rule_name(e),
		.cap_ms = LD(e->cap_ms[op]), .waited_ns = now - LD(e->armed_at[op]),
		.armed_ip = LD(e->armed_ip[op]),
	};
	wc_trace_expired(&r);
	wc_guard--;
	errno = saved;
}

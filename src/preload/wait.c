/* Timing and tracing of waits. */
#include <errno.h>

#include "stats.h"
#include "names.h"
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

static void trace_wait(struct wc_wait *w, int64_t ret, int err, const char *outcome)
{
	int64_t dur = wc_now_ns() - w->start;
	bool capped = w->cap_ms >= 0 && outcome[0] == 'c';
	if (dur < wc_trace_min_block_ns && !capped)
		return;
	if (!wc_trace_wait_enabled())
		return;
	int saved = errno;
	char peer[64], peer_name[WC_HOSTNAME_MAX];
	wc_guard++;
	wc_fd_peer_string(w->e, peer, sizeof(peer));
	/* A socket op's name: the host name the program resolved the peer's
	 * address from, looked up only here, for a traced wait. */
	const char *name = w->name;
	if (!name && w->e && peer[0]) {
		uint64_t raw[2] = {LD(w->e->peer_addr[0]), LD(w->e->peer_addr[1])};
		name = wc_names_find_addr(LD(w->e->family), raw, peer_name) ? peer_name : NULL;
	}
	struct wc_wait_record r = {
		.op = w->op, .func = w->func, .fd = w->fd, .peer = peer,
		.rule = wc_fd_rule_name(w->e), .timeout_ms = w->timeout_ms,
		.cap_ms = w->cap_ms, .dur_ns = dur, .outcome = outcome,
		.ret = ret, .err = ret < 0 ? err : 0, .ip = w->ip, .name = name,
	};
	wc_trace_wait(&r);
	wc_guard--;
	errno = saved;
}

/* A timed wait's end, out of line: wc_wait_end's two paths are then tail
 * calls, and an untimed wait's end needs no stack frame. */
__attribute__((noinline)) static void timed_wait_end(struct wc_wait *w, int64_t ret, int err,
						     const char *outcome)
{
	trace_wait(w, ret, err, outcome);
	if (wc_stats)
		wc_stats_wait(w->stats_op, w->start, err, outcome);
}

void wc_wait_end(struct wc_wait *w, int64_t ret, int err, const char *outcome)
{
	if (WC_UNLIKELY(outcome[0] == 'a') && w->e && wc_fd_capped(w->e))
		wc_fd_set_flag(w->e, WC_F_GAVE_UP, true); /* the phase's outcome, at close */
	if (WC_UNLIKELY(w->start)) {
		timed_wait_end(w, ret, err, outcome);
		return;
	}
	if (wc_stats)
		wc_stats_wait(w->stats_op, w->begun, err, outcome);
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
		.observed = wc_policy_now()->observe || wc_policy_now()->legacy, /* nothing cut */
	};
	wc_trace_expired(&r);
	wc_guard--;
	errno = saved;
}

/* Timing and tracing of waits. */
#include <errno.h>

#include "stats.h"
#include "names.h"
#include "wait.h"

enum wc_outcome wc_outcome_of(int64_t ret, int err)
{
	if (ret >= 0)
		return WC_OUT_READY;
	if (err == EINTR)
		return WC_OUT_INTERRUPTED;
	if (err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS)
		return WC_OUT_APP_TIMEOUT;
	return WC_OUT_ERROR;
}

static void trace_wait(struct wc_wait *w, int64_t ret, int err, enum wc_outcome outcome)
{
	int64_t dur = wc_now_ns() - w->start;
	bool capped = w->cap_ms >= 0 && outcome == WC_OUT_CAPPED;
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
	struct waitcap_tp_wait event = {
		.op = w->op, .func = w->func, .fd = w->fd, .peer = peer,
		.rule = wc_fd_rule_name(w->e), .timeout_ms = w->timeout_ms,
		.cap_ms = w->cap_ms, .dur_ns = dur, .outcome = outcome,
		.ret = ret, .err = ret < 0 ? err : 0, .name = name,
	};
	wc_trace_wait(&event, w->ip);
	wc_guard--;
	errno = saved;
}

/* A timed wait's end, out of line: wc_wait_end's two paths are then tail
 * calls, and an untimed wait's end needs no stack frame. */
__attribute__((noinline)) static void timed_wait_end(struct wc_wait *w, int64_t ret, int err,
						     enum wc_outcome outcome)
{
	trace_wait(w, ret, err, outcome);
	if (wc_stats)
		wc_stats_wait(w->stats_op, w->start, err, outcome);
}

void wc_wait_end(struct wc_wait *w, int64_t ret, int err, enum wc_outcome outcome)
{
	if (WC_UNLIKELY(outcome == WC_OUT_APP_TIMEOUT) && w->e && wc_fd_capped(w->e))
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
	struct waitcap_tp_expired event = {
		.op = op, .fd = fd, .peer = peer, .rule = wc_fd_rule_name(e),
		.cap_ms = LD(e->cap_ms[op]), .waited_ns = now - LD(e->armed_at[op]),
		.armed_ip = LD(e->armed_ip[op]),
		.observed = wc_policy_now()->observe || wc_policy_now()->legacy, /* nothing cut */
	};
	wc_trace_expired(&event);
	wc_guard--;
	errno = saved;
}

/* Deadline arithmetic and expiry. */
#include <errno.h>
#include <stddef.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>

#include "deadline.h"
#include "real.h"
#include "stats.h"
#include "wait.h"

void wc_deadline_arm(struct wc_fd *e, enum wc_op op, int64_t now, void *ip)
{
	int32_t cap = LD(e->cap_ms[op]);
	if (cap == WC_NO_CAP || LD(e->deadline[op]))
		return;
	ST(e->armed_at[op], now);
	ST(e->armed_ip[op], ip);
	ST(e->deadline[op], now + (int64_t)cap * WC_MS);
}

/* How far CLOCK_MONOTONIC_COARSE may lag CLOCK_MONOTONIC: one tick. */
static int64_t coarse_tick_ns(void)
{
	struct timespec res;
	if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0)
		return 10 * WC_MS;
	return (int64_t)res.tv_sec * 1000000000 + res.tv_nsec;
}

/* When the peer last acknowledged anything, or now when the kernel cannot
 * say. */
static int64_t last_ack(int fd, int64_t now)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	if (real_getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0
	    || len < offsetof(struct tcp_info, tcpi_last_ack_recv) + sizeof(ti.tcpi_last_ack_recv))
		return now;
	return now - (int64_t)ti.tcpi_last_ack_recv * WC_MS;
}

bool wc_deadline_progressed(int fd, struct wc_fd *e, enum wc_op op, int64_t now)
{
	if (op != WC_OP_RECV || !LD(e->deadline[op]))
		return false;
	int saved = errno;
	uint64_t progress = LD(e->tx_progress);
	int64_t last = 0; /* when the request last made progress */
	if ((uint32_t)progress) /* sends since the last look */
		last = LD(e->tx_last) + coarse_tick_ns();
	int outq = 0;
	if (LD(e->flags) & WC_F_STREAM) {
		/* Request bytes the kernel has not yet delivered (unsent or
		 * unacknowledged): the request has not ended while they drain,
		 * and the peer's acknowledgements say when they last did. */
		if (real_ioctl(fd, SIOCOUTQ, &outq) != 0 || outq < 0)
			outq = 0;
		int seen = (int)(progress >> 32);
		bool drained = outq > 0 ? !seen || outq < seen : seen > 0;
		if (drained) {
			int64_t acked = last_ack(fd, now);
			if (acked > last)
				last = acked;
		}
	}
	errno = saved;
	ST(e->tx_progress, (uint64_t)(uint32_t)outq << 32);
	int64_t due = last + (int64_t)LD(e->cap_ms[op]) * WC_MS;
	if (last <= LD(e->armed_at[op]) || due <= now)
		return false;
	ST(e->armed_at[op], last);
	ST(e->deadline[op], due);
	return true;
}

int64_t wc_deadline_earliest(const struct wc_fd *e, enum wc_op *op)
{
	/* Every poll looks here, twice: unrolled, with 0 (disarmed) as the
	 * largest unsigned value after the decrement. */
	uint64_t c = (uint64_t)LD(e->deadline[WC_OP_CONNECT]) - 1;
	uint64_t r = (uint64_t)LD(e->deadline[WC_OP_RECV]) - 1;
	uint64_t s = (uint64_t)LD(e->deadline[WC_OP_SEND]) - 1;
	uint64_t best = c;
	enum wc_op which = WC_OP_CONNECT;
	if (r < best)
		best = r, which = WC_OP_RECV;
	if (s < best)
		best = s, which = WC_OP_SEND;
	if (best == UINT64_MAX)
		return 0;
	*op = which;
	return (int64_t)(best + 1);
}

void wc_observe_due(int fd, struct wc_fd *e, enum wc_op op)
{
	int64_t d = LD(e->deadline[op]);
	if (d == WC_DEADLINE_OBSERVED)
		return; /* noted already */
	int saved = errno;
	int64_t now = wc_now_ns();
	if (!d) /* a call's own bound: the cap counted from the call's start */
		ST(e->armed_at[op], now - (int64_t)LD(e->cap_ms[op]) * WC_MS);
	else
		ST(e->deadline[op], WC_DEADLINE_OBSERVED);
	wc_stats_would_cap(e, op);
	wc_trace_expiry(fd, e, op, now);
	errno = saved;
}

static const char *mode_name(void)
{
	return wc_policy.legacy ? "legacy" : wc_policy.observe ? "observe" : "capping";
}

void wc_phase_end(struct wc_fd *e, enum wc_op op, const char *outcome)
{
	int64_t d = LD(e->deadline[op]);
	if (!d || !wc_trace_phase_enabled())
		return;
	int saved = errno;
	int64_t dur = wc_now_ns() - LD(e->armed_at[op]);
	bool would = d == WC_DEADLINE_OBSERVED;
	bool capped = outcome[0] == 'c' && outcome[1] == 'a';
	wc_fd_set_flag(e, WC_F_GAVE_UP, false);
	if (dur < wc_trace_min_block_ns && !would && !capped) {
		errno = saved;
		return;
	}
	char peer[64];
	wc_guard++;
	wc_fd_peer_string(e, peer, sizeof(peer));
	int32_t cap = LD(e->cap_ms[op]);
	struct wc_phase_record r = {
		.op = wc_op_name(op), .fd = (int)(e - wc_fdtab), .peer = peer,
		.rule = wc_fd_rule_name(e),
		.cap_ms = wc_policy.legacy || cap == WC_PHASE_ONLY_CAP_MS ? -1 : cap,
		.dur_ns = dur, .outcome = outcome, .would_cap = would, .mode = mode_name(),
		.armed_ip = LD(e->armed_ip[op]),
	};
	wc_trace_phase(&r);
	wc_guard--;
	errno = saved;
}

void wc_phase_close(int fd)
{
	struct wc_fd *e = wc_fd_slot(fd);
	if (!e || LD(e->kind) != WC_KIND_NET || !wc_fd_capped(e))
		return;
	const char *outcome = (LD(e->flags) & WC_F_GAVE_UP) ? "app_timeout" : "closed";
	for (int op = 0; op < WC_OP_COUNT; op++)
		wc_phase_end(e, (enum wc_op)op, outcome);
}

bool wc_expire(int fd, struct wc_fd *e, enum wc_op op)
{
	if (WC_UNLIKELY(wc_policy.observe || wc_policy.legacy)) {
		/* Legacy arms deadlines only to time phases (never due). */
		wc_observe_due(fd, e, op);
		return false;
	}
	int saved = errno;
	struct stat st;
	uint64_t ino = LD(e->ino);
	if (ino && (fstat(fd, &st) != 0 || (uint64_t)st.st_ino != ino)) {
		/* Closed behind our back (fclose, a raw syscall) and reused. */
		wc_fd_reset(fd);
		errno = saved;
		return false;
	}
	wc_stats_expired(e, op);
	if (wc_trace_phase_enabled())
		wc_phase_end(e, op, "capped");
	for (int i = 0; i < WC_OP_COUNT; i++)
		ST(e->deadline[i], 0);
	bool connecting = LD(e->role) == WC_ROLE_CONNECTING;
	wc_fd_set_flag(e, WC_F_PENDING, true);
	wc_fd_set_flag(e, WC_F_BACKSTOP, false);
	/* Nothing may arrive late: a connect in SYN_SENT is aborted, an
	 * established connection sends FIN and reads EOF from now on. */
	real_shutdown(fd, SHUT_RDWR);
	if (connecting) {
		/* Aborting SYN_SENT disconnects: the kernel then holds
		 * ECONNRESET and a socket open both ways.  A connect the kernel
		 * timed out holds no error but ours (WC_F_PENDING) and is shut
		 * down both ways (poll says POLLHUP, reads say EOF): drop the
		 * one, redo the other (ENOTCONN, but the shutdown is recorded). */
		int ignored;
		socklen_t len = sizeof(ignored);
		real_getsockopt(fd, SOL_SOCKET, SO_ERROR, &ignored, &len);
		real_shutdown(fd, SHUT_RDWR);
		ST(e->role, WC_ROLE_NONE);
		wc_fd_set_flag(e, WC_F_CONNFAIL, true);
	} else {
		ST(e->role, WC_ROLE_OUTBOUND);
	}
	errno = saved;
	return true;
}

int wc_connect_failed(int fd, struct wc_fd *e)
{
	int saved = errno;
	int err = wc_take_pending(e) ? ETIMEDOUT : ECONNABORTED;
	wc_fd_set_flag(e, WC_F_CONNFAIL, false);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	real_connect(fd, &unspec, sizeof(unspec));
	errno = saved;
	return err;
}

void wc_connect_settled(int fd, struct wc_fd *e, bool ok)
{
	/* Either way the program's own TCP_USER_TIMEOUT comes back. */
	if (LD(e->role) != WC_ROLE_CONNECTING)
		return;
	int saved = errno;
	wc_stats_connected(e, ok);
	ST(e->role, WC_ROLE_OUTBOUND);
	if (!ok && wc_trace_phase_enabled()) {
		wc_phase_end(e, WC_OP_CONNECT, "error");
		ST(e->deadline[WC_OP_CONNECT], 0); /* ended: not "completed" too */
	}
	wc_deadline_disarm(e, WC_OP_CONNECT);
	if (LD(e->flags) & WC_F_BACKSTOP) {
		wc_fd_set_flag(e, WC_F_BACKSTOP, false);
		int own = LD(e->own_user_timeout_ms);
		real_setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &own, sizeof(own));
	}
	errno = saved;
}

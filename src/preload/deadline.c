/* Deadline arithmetic and expiry. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>

#include "deadline.h"
#include "real.h"
#include "stats.h"
#include "wait.h"

static inline void arm(struct wc_fd *e, enum wc_op op, int64_t now, void *ip, int32_t cap)
{
	ST(e->armed_at[op], now);
	ST(e->armed_ip[op], ip);
	ST(e->deadline[op], now + (int64_t)cap * WC_MS);
}

/* Something may be rolled back: ask, then arm.  Out of line and reached
 * by a tail call, so that the common path needs no stack frame. */
__attribute__((noinline, cold)) static void arm_unless_lifted(struct wc_fd *e, enum wc_op op,
							      int64_t now, void *ip, int32_t cap)
{
	if (!wc_control_lifts(e))
		arm(e, op, now, ip, cap);
}

void wc_deadline_arm(struct wc_fd *e, enum wc_op op, int64_t now, void *ip)
{
	int32_t cap = LD(e->cap_ms[op]);
	if (cap == WC_NO_CAP || LD(e->deadline[op]))
		return;
	if (WC_UNLIKELY(!wc_control_quiet())) {
		arm_unless_lifted(e, op, now, ip, cap);
		return;
	}
	arm(e, op, now, ip, cap);
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

/* Whether fd still names the socket the slot describes, asked only when a
 * deadline fires (an fstat per connection was the price of asking at
 * connect).  A close the library did not see (fclose of an fdopen()ed
 * socket, a raw syscall) may have given the number to something else: a
 * file, a pipe, or a socket that did not come through a wrapper (those
 * that did reset the slot).  It is ours when it is a socket of the same
 * family and type and, once connected, has the same peer.  A foreign
 * socket of the same kind to the same peer cannot be told apart (the
 * inode could, but it needed that fstat at every connect). */
static bool still_the_socket(int fd, struct wc_fd *e)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return false;
	int domain = 0, type = 0;
	socklen_t len = sizeof domain;
	if (real_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0 ||
	    domain != LD(e->family))
		return false;
	len = sizeof type;
	if (real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 ||
	    (type == SOCK_STREAM) != !!(LD(e->flags) & WC_F_STREAM))
		return false;
	if (LD(e->role) == WC_ROLE_CONNECTING || !LD(e->peer_port))
		return true;
	struct sockaddr_storage peer;
	len = sizeof peer;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0)
		return errno == ENOTCONN; /* ours, after a reset: still ours to expire */
	return wc_fd_same_peer(e, (const struct sockaddr *)&peer, len);
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
	return wc_policy_now()->legacy ? "legacy" : wc_policy_now()->observe ? "observe" : "capping";
}

void wc_phase_end(struct wc_fd *e, enum wc_op op, enum wc_outcome outcome)
{
	int64_t d = LD(e->deadline[op]);
	if (!d || !wc_trace_phase_enabled())
		return;
	int saved = errno;
	int64_t dur = wc_now_ns() - LD(e->armed_at[op]);
	bool would = d == WC_DEADLINE_OBSERVED;
	bool capped = outcome == WC_OUT_CAPPED;
	wc_fd_set_flag(e, WC_F_GAVE_UP, false);
	if (dur < wc_trace_min_block_ns && !would && !capped) {
		errno = saved;
		return;
	}
	char peer[64];
	wc_guard++;
	wc_fd_peer_string(e, peer, sizeof(peer));
	int32_t cap = LD(e->cap_ms[op]);
	struct waitcap_tp_phase event = {
		.op = op, .fd = (int)(e - wc_fdtab), .peer = peer,
		.rule = wc_fd_rule_name(e),
		.cap_ms = wc_policy_now()->legacy || cap == WC_PHASE_ONLY_CAP_MS ? -1 : cap,
		.dur_ns = dur, .outcome = outcome, .would_cap = would, .mode = mode_name(),
		.armed_ip = LD(e->armed_ip[op]),
	};
	wc_trace_phase(&event);
	wc_guard--;
	errno = saved;
}

void wc_phase_close(int fd)
{
	struct wc_fd *e = wc_fd_slot(fd);
	if (!e || LD(e->kind) != WC_KIND_NET || !wc_fd_capped(e))
		return;
	enum wc_outcome outcome = (LD(e->flags) & WC_F_GAVE_UP) ? WC_OUT_APP_TIMEOUT : WC_OUT_CLOSED;
	for (int op = 0; op < WC_SOCKET_OPS; op++)
		wc_phase_end(e, (enum wc_op)op, outcome);
}

bool wc_expire(int fd, struct wc_fd *e, enum wc_op op)
{
	/* A rollback since it was armed: not cut (its deadlines are dropped;
	 * the caller goes on as for a stale slot, with the program's own
	 * timeouts). */
	if (wc_caps_lifted(e))
		return false;
	if (WC_UNLIKELY(wc_policy_now()->observe || wc_policy_now()->legacy)) {
		/* Legacy arms deadlines only to time phases (never due). */
		wc_observe_due(fd, e, op);
		return false;
	}
	int saved = errno;
	if (!still_the_socket(fd, e)) {
		/* Closed behind our back (fclose, a raw syscall) and reused. */
		wc_fd_reset(fd);
		errno = saved;
		return false;
	}
	wc_stats_expired(e, op);
	if (wc_trace_phase_enabled())
		wc_phase_end(e, op, WC_OUT_CAPPED);
	for (int i = 0; i < WC_SOCKET_OPS; i++)
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
	/* The backstop (TCP_SYNCNT) stays: it means nothing once connected. */
	(void)fd;
	if (LD(e->role) != WC_ROLE_CONNECTING)
		return;
	int saved = errno;
	wc_stats_connected(e, ok);
	ST(e->role, WC_ROLE_OUTBOUND);
	if (!ok && wc_trace_phase_enabled()) {
		wc_phase_end(e, WC_OP_CONNECT, WC_OUT_ERROR);
		ST(e->deadline[WC_OP_CONNECT], 0); /* ended: not "completed" too */
	}
	wc_deadline_disarm(e, WC_OP_CONNECT);
	errno = saved;
}

void wc_backstop_drop(int fd, struct wc_fd *e)
{
	if (!(LD(e->flags) & WC_F_BACKSTOP))
		return;
	int own = LD(e->own_syncnt);
	int syncnt = own > 0 ? own : wc_default_syncnt();
	int saved = errno;
	if (real_setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt)) == 0)
		wc_fd_set_flag(e, WC_F_BACKSTOP, false);
	errno = saved;
}

int wc_backstop_syncnt(int64_t at_least_ms)
{
	/* The kernel gives up after SYNCNT retransmissions, the first one
	 * after 1 s (TCP_TIMEOUT_INIT), each timeout twice the last: at
	 * (2^(SYNCNT+1) - 1) s. */
	int syncnt = 1;
	while (syncnt < 127 && ((INT64_C(2) << syncnt) - 1) * 1000 < at_least_ms)
		syncnt++;
	return syncnt;
}

int wc_default_syncnt(void)
{
	/* The network namespace's net.ipv4.tcp_syn_retries, read when first
	 * needed: a program asking for TCP_SYNCNT of a backstopped socket, or
	 * a backstop put back (wc_backstop_drop). */
	static int value;
	int v = LD(value);
	if (v)
		return v;
	v = 6; /* the kernel's own default */
	int fd = open("/proc/sys/net/ipv4/tcp_syn_retries", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char text[16] = "";
		ssize_t n = real_read(fd, text, sizeof text - 1);
		real_close(fd);
		int parsed = n > 0 ? atoi(text) : 0;
		if (parsed > 0 && parsed <= 127)
			v = parsed;
	}
	ST(value, v);
	return v;
}

/* Socket deadlines: connect, response and send, per capped socket.
 *
 * Deadlines belong to sockets, not to calls (docs/architecture.md, "Socket
 * deadlines"): every wait that
 * involves a capped socket honours its armed deadlines, whether the program
 * blocks in recv(), loops over poll() with short timeouts, or waits in an
 * event loop.  When one passes, the socket is timed out as if the network
 * had done it: ETIMEDOUT once, then a socket shut down in the kernel. */
#ifndef WAITCAP_DEADLINE_H
#define WAITCAP_DEADLINE_H

#include "control.h"
#include "fdtab.h"
#include "stats.h"
#include "trace.h"

/* Arm op's deadline at now + cap unless it is armed already or the socket
 * has no cap for op.  ip is the call that armed it (for waitcap:expired). */
void wc_deadline_arm(struct wc_fd *e, enum wc_op op, int64_t now, void *ip);

/* A phase of e ends (its deadline is about to be disarmed, or fires):
 * emits waitcap:phase when a session wants it and the phase lasted at
 * least WAITCAP_MIN_BLOCK or was (or would have been) capped.  outcome:
 * completed, error, app_timeout, capped, closed. */
void wc_phase_end(struct wc_fd *e, enum wc_op op, enum wc_outcome outcome);

/* close(): every armed phase of fd ends, "app_timeout" when the program's
 * own timeout ended a wait on it, else "closed". */
void wc_phase_close(int fd);

/* Legacy mode tracks phases without caps while a session wants phase
 * events: connections get this cap for every op (12 days), far beyond any
 * trace, so that deadlines arm and disarm as usual and never fire. */
#define WC_PHASE_ONLY_CAP_MS (1 << 30)

static inline void wc_deadline_disarm(struct wc_fd *e, enum wc_op op)
{
	if (LD(e->deadline[op])) {
		if (wc_trace_phase_enabled())
			wc_phase_end(e, op, WC_OUT_COMPLETED);
		if (op == WC_OP_RECV) {
			wc_stats_response(e); /* the response came (or the wait gave up) */
			ST(e->tx_progress, 0);
		}
		ST(e->deadline[op], 0);
	}
}

/* A send handed data to the kernel while the response deadline was armed:
 * the request is still going out.  Remembers when, from the coarse clock
 * (a vDSO read of the last tick, cheaper than the clock the deadlines use;
 * a ping-pong never comes here: its send arms the deadline). */
static inline void wc_deadline_note_send(struct wc_fd *e)
{
	ST(e->tx_last, wc_coarse_now_ns());
	ST(e->tx_progress, LD(e->tx_progress) + 1);
}

/* op's deadline is due at now.  The response deadline counts from the end
 * of the request: the program's last send since the deadline was armed
 * (to the coarse clock's tick), or the last acknowledgement from the peer
 * while the kernel's send queue drained since the last look (TCP_INFO's
 * last_ack_recv).  When that plus the cap is still ahead, the deadline
 * moves there and this returns true (not due after all).  A peer that
 * acknowledges nothing, or a queue that did not move, fires on time. */
bool wc_deadline_progressed(int fd, struct wc_fd *e, enum wc_op op, int64_t now);

/* The earliest armed deadline (0: none) and which op it belongs to. */
int64_t wc_deadline_earliest(const struct wc_fd *e, enum wc_op *op);

/* Observe mode (the policy's observe): a deadline that passed stays armed at
 * this value, far in the future, until its phase ends (disarm), so that
 * waits neither fire it again nor spin on it, and the phase's end still
 * knows it would have been capped. */
#define WC_DEADLINE_OBSERVED INT64_MAX

/* Observe mode: op's deadline on e (or a call's own bound, when none is
 * armed) passed.  Counted (would_cap) and traced (waitcap:expired) once;
 * an armed deadline moves to WC_DEADLINE_OBSERVED.  Nothing is cut. */
void wc_observe_due(int fd, struct wc_fd *e, enum wc_op op);

/* op's deadline has passed: check the fd still is that socket, remember
 * ETIMEDOUT for its next operation, shut it down.  Returns false when the
 * slot was stale (the fd now names something else: the slot is reset), or
 * when a rollback lifted the caps since (the deadlines are dropped): the
 * caller passes the call through.  A connecting socket is left as the
 * kernel leaves a connect it timed out itself: state CLOSE, shut down both
 * ways, WC_F_CONNFAIL until connect() reports it (wc_connect_failed). */
bool wc_expire(int fd, struct wc_fd *e, enum wc_op op);
/* In observe mode wc_expire only calls wc_observe_due and returns false:
 * the socket is left as it is and callers wait on as without the library. */

/* Take the pending ETIMEDOUT, as the kernel reports sk_err once. */
static inline bool wc_take_pending(struct wc_fd *e)
{
	if (WC_LIKELY(!(LD(e->flags) & WC_F_PENDING)))
		return false;
	return __atomic_fetch_and(&e->flags, (uint8_t)~WC_F_PENDING, __ATOMIC_RELAXED) & WC_F_PENDING;
}

/* connect() reports a connect the library timed out: ETIMEDOUT if the
 * error is still pending, else ECONNABORTED (the kernel's answer once
 * SO_ERROR or a read took it); the socket is disconnected, as the kernel
 * does then, so the next connect() starts a new attempt.  Returns the
 * errno to report. */
int wc_connect_failed(int fd, struct wc_fd *e);

/* connect() finished (ok or not): disarm the connect deadline (the
 * backstop, TCP_SYNCNT, stays: it means nothing once connected). */
void wc_connect_settled(int fd, struct wc_fd *e, bool ok);

/* The TCP_SYNCNT whose SYN timeout comes at or after at_least_ms. */
int wc_backstop_syncnt(int64_t at_least_ms);

/* Give the program back its own TCP_SYNCNT (or the default) on a socket
 * that will not be capped after all: an uncapped attempt on a socket an
 * earlier capped one backstopped (a reconnect elsewhere), or a rollback. */
void wc_backstop_drop(int fd, struct wc_fd *e);

/* TCP_SYNCNT of a socket nobody set it on (net.ipv4.tcp_syn_retries). */
int wc_default_syncnt(void);

/* How much longer than the connect cap the kernel backstop (TCP_SYNCNT's
 * SYN timeout) is at least: see set_backstop(). */
#define WC_BACKSTOP_MARGIN_MS 1000

/* Milliseconds from now to deadline, rounded up (poll's unit). */
static inline int wc_ms_until(int64_t deadline, int64_t now)
{
	int64_t left = deadline - now;
	if (left <= 0)
		return 0;
	int64_t ms = (left + WC_MS - 1) / WC_MS;
	return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

#endif

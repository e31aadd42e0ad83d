/* Read-side wrappers: recv, recvfrom, recvmsg, read, readv (+ fortify).
 *
 * On a capped socket a blocking read waits no longer than the socket's
 * response (or connect) deadline and the program's own SO_RCVTIMEO.  The
 * call is first tried without waiting, so a program that polled first
 * pays one syscall, as without the library. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>

#include "deadline.h"
#include "real.h"
#include "wait.h"

extern void __chk_fail(void) __attribute__((noreturn));

enum rx_kind { RX_RECV, RX_RECVFROM, RX_RECVMSG, RX_READ, RX_READV };

/* One read-side call, replayable with extra flags. */
struct rx {
	enum rx_kind kind;
	void *buf;
	size_t len;
	int flags;
	struct sockaddr *from;
	socklen_t *fromlen;
	struct msghdr *msg;
	const struct iovec *iov;
	int iovcnt;
};

static ssize_t rx_call(int fd, const struct rx *c, int extra)
{
	switch (c->kind) {
	case RX_RECV:
		return real_recv(fd, c->buf, c->len, c->flags | extra);
	case RX_RECVFROM:
		return real_recvfrom(fd, c->buf, c->len, c->flags | extra, c->from, c->fromlen);
	case RX_RECVMSG:
		return real_recvmsg(fd, c->msg, c->flags | extra);
	case RX_READ:
		return extra ? real_recv(fd, c->buf, c->len, extra) : real_read(fd, c->buf, c->len);
	case RX_READV:
		if (!extra)
			return real_readv(fd, c->iov, c->iovcnt);
		struct msghdr m = {.msg_iov = (struct iovec *)c->iov, .msg_iovlen = (size_t)c->iovcnt};
		return real_recvmsg(fd, &m, extra);
	}
	errno = EINVAL;
	return -1;
}

/* Data or EOF arrived: the response came. */
static void rx_arrived(int fd, struct wc_fd *e)
{
	wc_deadline_disarm(e, WC_OP_RECV);
	if (LD(e->role) == WC_ROLE_CONNECTING)
		wc_connect_settled(fd, e, true);
}

/* The earliest deadline a blocking read must honour: the connect deadline,
 * and the socket's response deadline or, when none is armed (nothing sent,
 * or disarmed meanwhile by another thread's read), the call's own bound. */
static int64_t rx_deadline(const struct wc_fd *e, int64_t call_bound, enum wc_op *op,
			   bool *socket_owned)
{
	int64_t r = LD(e->deadline[WC_OP_RECV]), c = LD(e->deadline[WC_OP_CONNECT]);
	*socket_owned = r != 0;
	if (!r)
		r = call_bound;
	if (c && (!r || c < r)) {
		*op = WC_OP_CONNECT;
		*socket_owned = true;
		return c;
	}
	*op = WC_OP_RECV;
	return r;
}

static ssize_t rx_traced(int fd, struct wc_fd *e, const struct rx *c, const char *func, void *ip,
			 bool timed)
{
	if (!timed)
		return rx_call(fd, c, 0);
	struct wc_wait w;
	int64_t own = LD(e->own_rcvtimeo_ns);
	wc_wait_begin(&w, WC_OP_RECV, func, ip, fd, e, own ? own / WC_MS : -1, 0);
	ssize_t r = rx_call(fd, c, 0);
	int err = errno;
	if (r >= 0 && wc_fd_capped(e))
		rx_arrived(fd, e);
	wc_wait_end(&w, r, err, wc_outcome_of(r, err));
	errno = err;
	return r;
}

static ssize_t rx_blocking(int fd, struct wc_fd *e, const struct rx *c, const char *func, void *ip)
{
	int saved = errno;
	bool wait_first = (c->flags & MSG_WAITALL) || (LD(e->flags) & WC_F_LOWAT);
	if (!wait_first) {
		/* The data is often there already (the program polled first):
		 * one call, no clock, no deadline to arm. */
		ssize_t r = rx_call(fd, c, MSG_DONTWAIT);
		if (r >= 0) {
			rx_arrived(fd, e);
			return r;
		}
		if (errno == ENOTSOCK) {
			wc_fd_reset(fd); /* closed behind our back and reused */
			errno = saved;
			return rx_call(fd, c, 0);
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return r;
	}
	int64_t start = wc_now_ns();
	/* The call's own bound lives on its stack, never in the slot: it ends
	 * with the call however the call ends (return, siglongjmp, thread
	 * cancellation), and bounds the call by the cap from its own start
	 * even when another thread takes the answer and disarms the socket's
	 * deadline.  A deadline pushed further by an upload is kept. */
	int32_t cap = LD(e->cap_ms[WC_OP_RECV]);
	int64_t call_bound = cap == WC_NO_CAP || wc_caps_lifted(e) ? 0 : start + (int64_t)cap * WC_MS;
	enum wc_op dop;
	bool owned;
	int64_t deadline = rx_deadline(e, call_bound, &dop, &owned);
	int64_t own = LD(e->own_rcvtimeo_ns);
	int64_t own_deadline = own ? start + own : 0;
	if (!deadline || (own_deadline && own_deadline <= deadline)) {
		/* The kernel's own timeout comes first: nothing for us to do. */
		errno = saved;
		ssize_t r = rx_traced(fd, e, c, func, ip, true);
		if (r >= 0)
			errno = saved;
		return r;
	}

	struct wc_wait w;
	wc_wait_begin(&w, WC_OP_RECV, func, ip, fd, e, own ? own / WC_MS : -1, start);
	w.cap_ms = LD(e->cap_ms[dop]);
	bool verified = false, just_tried = !wait_first;
	enum wc_outcome outcome = WC_OUT_UNDECIDED;
	ssize_t r = -1;
	int err = EAGAIN;
	for (;;) {
		if (!wait_first) {
			if (!just_tried) {
				r = rx_call(fd, c, MSG_DONTWAIT);
				err = errno;
				if (r < 0 && err == ENOTSOCK) {
					/* Closed by another thread and reused meanwhile. */
					wc_fd_reset(fd);
					r = rx_call(fd, c, 0);
					err = errno;
					break;
				}
				if (r >= 0 || (err != EAGAIN && err != EWOULDBLOCK))
					break;
			}
			just_tried = false;
			if (!verified) {
				/* Made non-blocking by a path we did not see? */
				int fl = real_fcntl(fd, F_GETFL);
				verified = true;
				if (fl >= 0 && (fl & O_NONBLOCK)) {
					wc_fd_set_flag(e, WC_F_NONBLOCK, true);
					break;
				}
			}
		}
		int64_t now = wc_now_ns();
		deadline = rx_deadline(e, call_bound, &dop, &owned);
		if (owned && dop == WC_OP_RECV && deadline > call_bound)
			call_bound = deadline; /* pushed by an upload: kept if disarmed */
		bool app = own_deadline && own_deadline <= deadline;
		int64_t until = app ? own_deadline : deadline;
		if (now >= until) {
			if (app) {
				r = -1, err = EAGAIN, outcome = WC_OUT_APP_TIMEOUT;
				break;
			}
			if (owned && wc_deadline_progressed(fd, e, dop, now))
				continue; /* the request is still going out */
			if (WC_UNLIKELY(wc_policy_now()->observe)) {
				/* Noted once; the call waits on as the program asked. */
				wc_observe_due(fd, e, dop);
				call_bound = WC_DEADLINE_OBSERVED;
				continue;
			}
			if (!wc_expire(fd, e, dop)) {
				r = rx_call(fd, c, 0);
				err = errno;
				break;
			}
			wc_take_pending(e);
			w.cap_ms = LD(e->cap_ms[dop]);
			r = -1, err = ETIMEDOUT, outcome = WC_OUT_CAPPED;
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct timespec ts = wc_ns_to_timespec(until - now);
		int pr = real_ppoll(&p, 1, &ts, NULL);
		if (pr < 0) {
			r = -1, err = errno; /* EINTR: the socket's deadline stays armed */
			break;
		}
		if (pr > 0 && wait_first) {
			r = rx_call(fd, c, 0);
			err = errno;
			break;
		}
	}
	if (r >= 0)
		rx_arrived(fd, e);
	wc_wait_end(&w, r, err, outcome != WC_OUT_UNDECIDED ? outcome : wc_outcome_of(r, err));
	errno = r >= 0 ? saved : err;
	return r;
}

static ssize_t wc_rx(int fd, const struct rx *c, const char *func, void *ip)
{
	struct wc_fd *e = wc_fd_net(fd);
	if (!e)
		return rx_call(fd, c, 0);
	bool nonblock = (LD(e->flags) & WC_F_NONBLOCK) || (c->flags & MSG_DONTWAIT);
	if (!wc_fd_capped(e))
		return rx_traced(fd, e, c, func, ip, !nonblock && wc_trace_wait_enabled());
	if (wc_take_pending(e)) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (nonblock || (c->flags & MSG_ERRQUEUE)) {
		ssize_t r = rx_call(fd, c, 0);
		if (r >= 0)
			rx_arrived(fd, e);
		return r;
	}
	return rx_blocking(fd, e, c, func, ip);
}

/* ---- exported symbols -------------------------------------------------- */

WC_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_recv(fd, buf, len, flags);
	struct rx c = {.kind = RX_RECV, .buf = buf, .len = len, .flags = flags};
	return wc_rx(fd, &c, "recv", WC_CALLER());
}

WC_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			   socklen_t *fromlen)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_recvfrom(fd, buf, len, flags, from, fromlen);
	struct rx c = {.kind = RX_RECVFROM, .buf = buf, .len = len, .flags = flags,
		       .from = from, .fromlen = fromlen};
	return wc_rx(fd, &c, "recvfrom", WC_CALLER());
}

WC_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_recvmsg(fd, msg, flags);
	struct rx c = {.kind = RX_RECVMSG, .msg = msg, .flags = flags};
	return wc_rx(fd, &c, "recvmsg", WC_CALLER());
}

WC_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_read(fd, buf, len);
	struct rx c = {.kind = RX_READ, .buf = buf, .len = len};
	return wc_rx(fd, &c, "read", WC_CALLER());
}

WC_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_readv(fd, iov, iovcnt);
	struct rx c = {.kind = RX_READV, .iov = iov, .iovcnt = iovcnt};
	return wc_rx(fd, &c, "readv", WC_CALLER());
}

/* recvmmsg on a capped socket: one wrapped recvmsg per message, as the
 * kernel's loop does (MSG_WAITFORONE: only the first one waits), so every
 * wait honours the socket's deadlines.  The timeout argument is checked
 * after each message, as the kernel does. */
WC_EXPORT int recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		       struct timespec *tmo)
{
	wc_real_ensure();
	struct wc_fd *e = wc_fd_is_other(fd) ? NULL : wc_fd_net(fd);
	if (!e || !wc_fd_capped(e) || !vec || !vlen)
		return real_recvmmsg(fd, vec, vlen, flags, tmo);
	void *ip = WC_CALLER();
	int saved = errno;
	int64_t end = tmo ? wc_now_ns() + (int64_t)tmo->tv_sec * 1000000000 + tmo->tv_nsec : 0;
	unsigned int got = 0;
	int f = flags & ~MSG_WAITFORONE;
	while (got < vlen) {
		struct rx c = {.kind = RX_RECVMSG, .msg = &vec[got].msg_hdr, .flags = f};
		ssize_t n = wc_rx(fd, &c, "recvmmsg", ip);
		if (n < 0) {
			if (!got)
				return -1;
			break; /* the error shows again at the next call */
		}
		vec[got++].msg_len = (unsigned int)n;
		if (flags & MSG_WAITFORONE)
			f |= MSG_DONTWAIT;
		if (tmo && wc_now_ns() >= end)
			break;
	}
	if (tmo) {
		int64_t left = end - wc_now_ns();
		*tmo = wc_ns_to_timespec(left > 0 ? left : 0);
	}
	errno = saved;
	return (int)got;
}

/* glibc's _FORTIFY_SOURCE entry points: the same checks glibc makes, then
 * the same policy. */
WC_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	wc_real_ensure();
	struct rx c = {.kind = RX_RECV, .buf = buf, .len = len, .flags = flags};
	return wc_rx(fd, &c, "__recv_chk", WC_CALLER());
}

WC_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
				 struct sockaddr *from, socklen_t *fromlen)
{
	if (len > buflen)
		__chk_fail();
	wc_real_ensure();
	struct rx c = {.kind = RX_RECVFROM, .buf = buf, .len = len, .flags = flags,
		       .from = from, .fromlen = fromlen};
	return wc_rx(fd, &c, "__recvfrom_chk", WC_CALLER());
}

WC_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	wc_real_ensure();
	struct rx c = {.kind = RX_READ, .buf = buf, .len = len};
	return wc_rx(fd, &c, "__read_chk", WC_CALLER());
}

/* Write-side wrappers: send, sendto, sendmsg, write, writev.
 *
 * On a capped socket a blocking send that cannot hand its data to the
 * kernel waits no longer than the send deadline (and the program's own
 * SO_SNDTIMEO).  Data that did go out arms the response deadline. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/time.h>

#include "deadline.h"
#include "real.h"
#include "wait.h"

enum tx_kind { TX_SEND, TX_SENDTO, TX_SENDMSG, TX_WRITE, TX_WRITEV };

/* One write-side call, replayable from a byte offset (stream sockets
 * only ever send part of a call). */
struct tx {
	enum tx_kind kind;
	const void *buf;
	size_t len;
	int flags;
	const struct sockaddr *to;
	socklen_t tolen;
	const struct msghdr *msg;
	const struct iovec *iov;
	int iovcnt;
};

#define TX_IOV_WINDOW 64

static size_t iov_total(const struct iovec *iov, size_t n)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

static size_t tx_total(const struct tx *c)
{
	switch (c->kind) {
	case TX_SENDMSG:
		return iov_total(c->msg->msg_iov, c->msg->msg_iovlen);
	case TX_WRITEV:
		return iov_total(c->iov, (size_t)(c->iovcnt > 0 ? c->iovcnt : 0));
	default:
		return c->len;
	}
}

/* sendmsg of what is left after skip bytes, through a bounded window of
 * iovecs on the stack; ancillary data went with the first bytes. */
static ssize_t tx_iov_from(int fd, const struct msghdr *orig, const struct iovec *iov, size_t n,
			   int flags, size_t skip)
{
	struct iovec window[TX_IOV_WINDOW];
	size_t i = 0, k = 0;
	while (i < n && skip >= iov[i].iov_len)
		skip -= iov[i++].iov_len;
	for (; i < n && k < TX_IOV_WINDOW; i++, k++) {
		window[k].iov_base = (char *)iov[i].iov_base + skip;
		window[k].iov_len = iov[i].iov_len - skip;
		skip = 0;
	}
	struct msghdr m = {.msg_iov = window, .msg_iovlen = k};
	if (orig) {
		m.msg_name = orig->msg_name;
		m.msg_namelen = orig->msg_namelen;
	}
	return real_sendmsg(fd, &m, flags);
}

static ssize_t tx_call(int fd, const struct tx *c, int extra, size_t skip)
{
	const char *b = (const char *)c->buf + skip;
	switch (c->kind) {
	case TX_SEND:
		return real_send(fd, b, c->len - skip, c->flags | extra);
	case TX_SENDTO:
		return real_sendto(fd, b, c->len - skip, c->flags | extra, c->to, c->tolen);
	case TX_SENDMSG:
		if (!skip)
			return real_sendmsg(fd, c->msg, c->flags | extra);
		return tx_iov_from(fd, c->msg, c->msg->msg_iov, c->msg->msg_iovlen, c->flags | extra, skip);
	case TX_WRITE:
		return extra ? real_send(fd, b, c->len - skip, extra) : real_write(fd, b, c->len - skip);
	case TX_WRITEV:
		if (!extra && !skip)
			return real_writev(fd, c->iov, c->iovcnt);
		if (c->iovcnt < 0) {
			errno = EINVAL;
			return -1;
		}
		return tx_iov_from(fd, NULL, c->iov, (size_t)c->iovcnt, extra, skip);
	}
	errno = EINVAL;
	return -1;
}

/* Data reached the kernel: the send is no longer stuck, and the program
 * now waits for an answer. */
static void tx_sent(int fd, struct wc_fd *e, void *ip)
{
	wc_deadline_disarm(e, WC_OP_SEND);
	if (LD(e->role) == WC_ROLE_CONNECTING)
		wc_connect_settled(fd, e, true);
	if (LD(e->cap_ms[WC_OP_RECV]) == WC_NO_CAP)
		return;
	if (!LD(e->deadline[WC_OP_RECV]))
		wc_deadline_arm(e, WC_OP_RECV, wc_now_ns(), ip);
	else
		wc_deadline_note_send(e); /* an upload: the request has not ended */
}

static ssize_t tx_traced(int fd, struct wc_fd *e, const struct tx *c, const char *func, void *ip)
{
	struct wc_wait w;
	int64_t own = LD(e->own_sndtimeo_ns);
	wc_wait_begin(&w, WC_OP_SEND, func, ip, fd, e, own ? own / WC_MS : -1, 0);
	ssize_t r = tx_call(fd, c, 0, 0);
	int err = errno;
	if (r > 0 && wc_fd_capped(e))
		tx_sent(fd, e, ip);
	wc_wait_end(&w, r, err, wc_outcome_of(r, err));
	errno = err;
	return r;
}

static ssize_t tx_blocking(int fd, struct wc_fd *e, const struct tx *c, const char *func, void *ip)
{
	int saved = errno;
	ssize_t r = tx_call(fd, c, MSG_DONTWAIT, 0);
	int err = errno;
	/* Only now is the program's buffer known to be readable. */
	size_t total = r >= 0 ? tx_total(c) : 0;
	if (r >= 0 && (size_t)r == total) {
		if (r > 0)
			tx_sent(fd, e, ip);
		return r;
	}
	if (r < 0 && err == ENOTSOCK) {
		wc_fd_reset(fd); /* closed behind our back and reused */
		errno = saved;
		return tx_call(fd, c, 0, 0);
	}
	if (r < 0 && err != EAGAIN && err != EWOULDBLOCK) {
		errno = err;
		return r;
	}
	int fl = real_fcntl(fd, F_GETFL);
	if (fl >= 0 && (fl & O_NONBLOCK)) { /* made non-blocking behind our back */
		wc_fd_set_flag(e, WC_F_NONBLOCK, true);
		if (r > 0)
			tx_sent(fd, e, ip);
		errno = r >= 0 ? saved : err;
		return r;
	}

	/* The kernel's buffer is full: the send deadline runs, for this call
	 * only, so it lives on the call's stack (it ends however the call
	 * ends); one the socket armed already (a non-blocking send that met
	 * EAGAIN) is honoured too. */
	size_t done = r > 0 ? (size_t)r : 0;
	int64_t start = wc_now_ns();
	int32_t cap = LD(e->cap_ms[WC_OP_SEND]);
	int64_t call_bound = cap == WC_NO_CAP || wc_caps_lifted(e) ? 0 : start + (int64_t)cap * WC_MS;
	int64_t own = LD(e->own_sndtimeo_ns);
	int64_t own_deadline = own ? start + own : 0;
	struct wc_wait w;
	wc_wait_begin(&w, WC_OP_SEND, func, ip, fd, e, own ? own / WC_MS : -1, start);
	w.cap_ms = LD(e->cap_ms[WC_OP_SEND]);
	enum wc_outcome outcome = WC_OUT_UNDECIDED;
	for (;;) {
		int64_t now = wc_now_ns();
		int64_t deadline = LD(e->deadline[WC_OP_SEND]);
		if (!deadline || (call_bound && call_bound < deadline))
			deadline = call_bound;
		bool app = own_deadline && (!deadline || own_deadline <= deadline);
		int64_t until = app ? own_deadline : deadline;
		if (until && now >= until) {
			if (!app && WC_UNLIKELY(wc_policy_now()->observe)) {
				/* Noted once; the call waits on as the program asked. */
				wc_observe_due(fd, e, WC_OP_SEND);
				call_bound = WC_DEADLINE_OBSERVED;
				continue;
			}
			if (done) {
				r = (ssize_t)done, err = 0; /* a timed-out send reports what went */
				outcome = app ? WC_OUT_APP_TIMEOUT : WC_OUT_CAPPED;
				break;
			}
			if (app) {
				r = -1, err = EAGAIN, outcome = WC_OUT_APP_TIMEOUT;
				break;
			}
			if (!wc_expire(fd, e, WC_OP_SEND)) {
				r = tx_call(fd, c, 0, 0);
				err = errno;
				break;
			}
			wc_take_pending(e);
			r = -1, err = ETIMEDOUT, outcome = WC_OUT_CAPPED;
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		struct timespec ts = wc_ns_to_timespec(until ? until - now : 0);
		int pr = real_ppoll(&p, 1, until ? &ts : NULL, NULL);
		if (pr < 0) {
			err = errno;
			r = done ? (ssize_t)done : -1;
			break;
		}
		if (pr == 0)
			continue;
		r = tx_call(fd, c, MSG_DONTWAIT, done);
		err = errno;
		if (r < 0 && err != EAGAIN && err != EWOULDBLOCK) {
			if (done)
				r = (ssize_t)done;
			break;
		}
		if (r > 0)
			done += (size_t)r;
		if (done == total) {
			r = (ssize_t)done, err = 0;
			break;
		}
	}
	if (r > 0)
		tx_sent(fd, e, ip);
	wc_wait_end(&w, r, err, outcome != WC_OUT_UNDECIDED ? outcome : wc_outcome_of(r, err));
	errno = r >= 0 ? saved : err;
	return r;
}

static ssize_t wc_tx(int fd, const struct tx *c, const char *func, void *ip)
{
	struct wc_fd *e = wc_fd_net(fd);
	if (!e)
		return tx_call(fd, c, 0, 0);
	bool nonblock = (LD(e->flags) & WC_F_NONBLOCK) || (c->flags & MSG_DONTWAIT);
	if (!wc_fd_capped(e)) {
		if (nonblock || !wc_trace_wait_enabled())
			return tx_call(fd, c, 0, 0);
		return tx_traced(fd, e, c, func, ip);
	}
	if (wc_take_pending(e)) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (nonblock) {
		ssize_t r = tx_call(fd, c, 0, 0);
		int err = errno;
		if (r > 0)
			tx_sent(fd, e, ip);
		else if (err == EAGAIN || err == EWOULDBLOCK)
			wc_deadline_arm(e, WC_OP_SEND, wc_now_ns(), ip);
		errno = err;
		return r;
	}
	if (LD(e->role) == WC_ROLE_CONNECTING || !(LD(e->flags) & WC_F_STREAM))
		return tx_traced(fd, e, c, func, ip);
	return tx_blocking(fd, e, c, func, ip);
}

/* ---- exported symbols -------------------------------------------------- */

WC_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_send(fd, buf, len, flags);
	struct tx c = {.kind = TX_SEND, .buf = buf, .len = len, .flags = flags};
	return wc_tx(fd, &c, "send", WC_CALLER());
}

WC_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *to, socklen_t tolen)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_sendto(fd, buf, len, flags, to, tolen);
	struct tx c = {.kind = TX_SENDTO, .buf = buf, .len = len, .flags = flags,
		       .to = to, .tolen = tolen};
	return wc_tx(fd, &c, "sendto", WC_CALLER());
}

WC_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_sendmsg(fd, msg, flags);
	struct tx c = {.kind = TX_SENDMSG, .msg = msg, .flags = flags};
	return wc_tx(fd, &c, "sendmsg", WC_CALLER());
}

WC_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_write(fd, buf, len);
	struct tx c = {.kind = TX_WRITE, .buf = buf, .len = len};
	return wc_tx(fd, &c, "write", WC_CALLER());
}

WC_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	wc_real_ensure();
	if (WC_LIKELY(wc_fd_is_other(fd)))
		return real_writev(fd, iov, iovcnt);
	struct tx c = {.kind = TX_WRITEV, .iov = iov, .iovcnt = iovcnt};
	return wc_tx(fd, &c, "writev", WC_CALLER());
}

/* sendmmsg on a capped socket: one wrapped sendmsg per message, as the
 * kernel's loop does; an error after the first message ends the batch. */
WC_EXPORT int sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	wc_real_ensure();
	struct wc_fd *e = wc_fd_is_other(fd) ? NULL : wc_fd_net(fd);
	if (!e || !wc_fd_capped(e) || !vec || !vlen)
		return real_sendmmsg(fd, vec, vlen, flags);
	void *ip = WC_CALLER();
	int saved = errno;
	unsigned int sent = 0;
	while (sent < vlen) {
		struct tx c = {.kind = TX_SENDMSG, .msg = &vec[sent].msg_hdr, .flags = flags};
		ssize_t n = wc_tx(fd, &c, "sendmmsg", ip);
		if (n < 0) {
			if (!sent)
				return -1;
			break;
		}
		vec[sent++].msg_len = (unsigned int)n;
	}
	errno = saved;
	return (int)sent;
}

static struct timeval ns_to_timeval(int64_t ns)
{
	struct timeval tv = {.tv_sec = ns / 1000000000, .tv_usec = (ns % 1000000000) / 1000};
	return tv;
}

/* sendfile to a capped socket.  The kernel copies without going through
 * the program's buffer and blocks in the socket, so the send cap is
 * handed to the kernel as SO_SNDTIMEO for the length of the call (the
 * kernel applies it to each stall, which is what the send deadline is);
 * the program's own value comes back after it.  A sendfile left by
 * siglongjmp leaves the cap in SO_SNDTIMEO (see README Limits). */
static ssize_t wc_sendfile(ssize_t (*real)(int, int, off_t *, size_t), int out, int in,
			   off_t *off, size_t count, void *ip)
{
	struct wc_fd *e = wc_fd_net(out);
	if (!e || !wc_fd_capped(e) || !(LD(e->flags) & WC_F_STREAM))
		return real(out, in, off, count);
	if (wc_take_pending(e)) {
		errno = ETIMEDOUT;
		return -1;
	}
	int saved = errno;
	int32_t cap = LD(e->cap_ms[WC_OP_SEND]);
	int64_t own = LD(e->own_sndtimeo_ns);
	bool nonblock = LD(e->flags) & WC_F_NONBLOCK;
	const struct wc_policy *policy = wc_policy_now();
	bool bound = !nonblock && !policy->observe && !policy->legacy && cap != WC_NO_CAP
		     && (!own || own > (int64_t)cap * WC_MS) && LD(e->role) != WC_ROLE_CONNECTING
		     && !wc_caps_lifted(e);
	struct wc_wait w;
	wc_wait_begin(&w, WC_OP_SEND, "sendfile", ip, out, e, own ? own / WC_MS : -1, nonblock ? -1 : 0);
	if (bound) {
		struct timeval tv = ns_to_timeval((int64_t)cap * WC_MS);
		real_setsockopt(out, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		w.cap_ms = cap;
	}
	ssize_t r = real(out, in, off, count);
	int err = errno;
	enum wc_outcome outcome = WC_OUT_UNDECIDED;
	if (bound) {
		struct timeval tv = ns_to_timeval(own);
		real_setsockopt(out, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (r > 0) {
		tx_sent(out, e, ip);
	} else if (r < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
		if (nonblock) {
			wc_deadline_arm(e, WC_OP_SEND, wc_now_ns(), ip);
		} else if (bound && wc_expire(out, e, WC_OP_SEND)) {
			/* Nothing went for a whole cap: the send deadline fired. */
			wc_take_pending(e);
			err = ETIMEDOUT, outcome = WC_OUT_CAPPED;
		}
	}
	wc_wait_end(&w, r, err, outcome != WC_OUT_UNDECIDED ? outcome : wc_outcome_of(r, err));
	errno = r >= 0 ? saved : err;
	return r;
}

WC_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t count)
{
	wc_real_ensure();
	return wc_sendfile(real_sendfile, out, in, off, count, WC_CALLER());
}

WC_EXPORT ssize_t sendfile64(int out, int in, off_t *off, size_t count)
{
	wc_real_ensure();
	return wc_sendfile(real_sendfile64, out, in, off, count, WC_CALLER());
}

/* connect and accept: where connections get their role, peer and caps. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "deadline.h"
#include "names.h"
#include "real.h"
#include "reload.h"
#include "wait.h"

/* Decide the caps of a new outbound connection, once: the profile's,
 * narrowed by the first matching rule. */
static void assign_caps(int fd, struct wc_fd *e, const struct sockaddr *addr, socklen_t len)
{
	struct wc_caps caps;
	int rule = -1;
	wc_reload_tick(wc_now_ns()); /* connect's clock reading (vDSO): the new file, if any */
	const struct wc_policy *policy = wc_policy_now();
	/* The name the program resolved this address from, if it did: rules
	 * by name see it (an address never resolved meets only rules by
	 * address). */
	char name[WC_HOSTNAME_MAX];
	bool named = wc_names_find(addr, len, name);
	wc_policy_caps_for_dest(policy, addr, len, named ? name : NULL, &caps, &rule);
	for (int i = 0; i < WC_SOCKET_OPS; i++) {
		ST(e->cap_ms[i], caps.ms[i]);
		ST(e->deadline[i], 0);
	}
	ST(e->tx_progress, 0);
	ST(e->rule, (int16_t)rule);
	if (addr->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const void *)addr;
		wc_fd_set_peer(e, &in->sin_addr, 4, ntohs(in->sin_port));
	} else if (addr->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const void *)addr;
		wc_fd_set_peer(e, &in6->sin6_addr, 16, ntohs(in6->sin6_port));
	}
	bool capped = (LD(e->flags) & WC_F_STREAM) && !policy->legacy
		      && (caps.ms[WC_OP_CONNECT] != WC_NO_CAP || caps.ms[WC_OP_RECV] != WC_NO_CAP
			  || caps.ms[WC_OP_SEND] != WC_NO_CAP);
	if (policy->legacy && (LD(e->flags) & WC_F_STREAM) && wc_trace_phase_enabled()) {
		/* No caps, but a session wants phase events: deadlines that
		 * never come, only to time the phases (never cut). */
		for (int i = 0; i < WC_SOCKET_OPS; i++)
			ST(e->cap_ms[i], WC_PHASE_ONLY_CAP_MS);
		capped = true;
	}
	wc_fd_set_flag(e, WC_F_CAPPED, capped);
	/* Automatic rollback judges and lifts caps per destination row. */
	ST(e->dest, (uint16_t)(capped && !policy->legacy && wc_policy_rollback_for(policy, rule)->on
				       ? wc_stats_dest_ref(e) : 0));
}

/* The kernel backstop while connecting, for the paths the library cannot
 * see (raw syscalls, io_uring): TCP_SYNCNT, the number of SYN
 * retransmissions, so that the kernel gives up on the first SYN timeout at
 * or after connect cap + margin (3 s, 7 s, 15 s ...: wc_backstop_syncnt).
 * One system call per capped connect and none after: TCP_SYNCNT means
 * nothing to an established connection, where TCP_USER_TIMEOUT (the
 * backstop before) bounded unacknowledged data and had to be put back,
 * a second call per connection.  The margin lets the library's own
 * deadline fire first where it can see the wait. */
static void set_backstop(int fd, struct wc_fd *e)
{
	int syncnt = wc_backstop_syncnt(LD(e->cap_ms[WC_OP_CONNECT]) + WC_BACKSTOP_MARGIN_MS);
	int own = LD(e->own_syncnt);
	if (own > 0 && own < syncnt)
		syncnt = own;
	if (real_setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof(syncnt)) == 0)
		wc_fd_set_flag(e, WC_F_BACKSTOP, true);
}


/* What a finished connect() call means for the slot, and its event.
 * errno is the call's error, or left as the program had it on success. */
static int connect_result(int fd, struct wc_fd *e, int r, int err, int saved, struct wc_wait *w)
{
	if (r == 0)
		wc_connect_settled(fd, e, true);
	else if (err != EINPROGRESS && err != EINTR && err != EALREADY)
		wc_connect_settled(fd, e, false);
	wc_wait_end(w, r, err, wc_outcome_of(r, err));
	errno = r == 0 ? saved : err;
	return r;
}

static int plain_connect(int fd, struct wc_fd *e, const struct sockaddr *addr, socklen_t len,
			 int saved, struct wc_wait *w)
{
	int r = real_connect(fd, addr, len);
	return connect_result(fd, e, r, errno, saved, w);
}

/* Wait for a blocking connect in progress until its connect deadline, and
 * answer as the kernel's blocking connect would: 0 once connected (a
 * second real connect moves the socket to "connected", so that a later
 * connect() says EISCONN), the error otherwise (then the socket is
 * disconnected, ready for a new attempt), EINTR with the connection going
 * on and the deadline kept.  The socket is blocking here. */
static int connect_wait(int fd, struct wc_fd *e, const struct sockaddr *addr, socklen_t len,
			int saved, struct wc_wait *w)
{
	int64_t deadline = LD(e->deadline[WC_OP_CONNECT]);
	w->cap_ms = LD(e->cap_ms[WC_OP_CONNECT]);
	/* Observing, the program's own SO_SNDTIMEO (longer than the cap, else
	 * the kernel does it all) ends the connect once the cap has passed. */
	int64_t own = LD(e->own_sndtimeo_ns);
	int64_t own_deadline = own ? LD(e->armed_at[WC_OP_CONNECT]) + own : 0;
	bool observed = false;
	enum wc_outcome outcome = WC_OUT_UNDECIDED;
	int r = -1, err = 0;
	bool lifted = false;
	for (;;) {
		if (LD(e->flags) & WC_F_CONNFAIL) { /* timed out by another wait */
			err = wc_connect_failed(fd, e);
			outcome = err == ETIMEDOUT ? WC_OUT_CAPPED : WC_OUT_ERROR;
			break;
		}
		int64_t now = wc_now_ns();
		if (observed && own_deadline && now >= own_deadline) {
			/* The kernel's answer to its own SO_SNDTIMEO: still connecting. */
			err = EINPROGRESS, outcome = WC_OUT_APP_TIMEOUT;
			break;
		}
		if (now >= deadline && WC_UNLIKELY(wc_policy_now()->observe)) {
			/* Noted once; the connect goes on as the kernel's would. */
			wc_observe_due(fd, e, WC_OP_CONNECT);
			deadline = own_deadline ? own_deadline : WC_DEADLINE_OBSERVED;
			observed = true;
			continue;
		}
		if (now >= deadline) {
			if (lifted) { /* the kernel's blocking connect under SO_SNDTIMEO */
				err = EINPROGRESS, outcome = WC_OUT_APP_TIMEOUT;
				break;
			}
			if (!wc_expire(fd, e, WC_OP_CONNECT)) {
				if (wc_caps_lifted(e)) {
					/* Rolled back meanwhile: the program's own bound. */
					lifted = true;
					deadline = own_deadline ? own_deadline : INT64_MAX;
					continue;
				}
				err = EBADF, outcome = WC_OUT_ERROR;
				break;
			}
			err = wc_connect_failed(fd, e), outcome = WC_OUT_CAPPED;
			break;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		struct timespec ts = wc_ns_to_timespec(deadline - now);
		int pr = real_ppoll(&p, 1, deadline == INT64_MAX ? NULL : &ts, NULL);
		if (pr < 0) {
			/* EINTR: the connection goes on in the kernel, as with a
			 * plain blocking connect; the deadline stays armed for the
			 * retry. */
			err = errno;
			break;
		}
		if (pr == 0)
			continue;
		if (LD(e->flags) & WC_F_CONNFAIL)
			continue;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		real_getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		if (!soerr) {
			r = real_connect(fd, addr, len);
			err = errno;
		} else {
			/* The blocking connect of the kernel reports the error
			 * and disconnects the socket. */
			struct sockaddr unspec = {.sa_family = AF_UNSPEC};
			real_connect(fd, &unspec, sizeof(unspec));
			err = soerr;
		}
		wc_connect_settled(fd, e, r == 0);
		if (r != 0)
			ST(e->role, WC_ROLE_NONE); /* a new attempt gets its own caps */
		break;
	}
	if (outcome == WC_OUT_UNDECIDED)
		outcome = wc_outcome_of(r, err);
	wc_wait_end(w, r, err, outcome);
	errno = r == 0 ? saved : err;
	return r;
}

/* A blocking connect bounded by the connect deadline: start it without
 * blocking, then wait in ppoll.  The socket is O_NONBLOCK only for the
 * connect system call itself, with signals blocked and cancellation off,
 * so that no siglongjmp or pthread_cancel can leave it non-blocking. */
static int capped_blocking_connect(int fd, struct wc_fd *e, const struct sockaddr *addr,
				   socklen_t len, int saved, struct wc_wait *w, int64_t now)
{
	int fl = real_fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_NONBLOCK)) {
		if (fl >= 0)
			wc_fd_set_flag(e, WC_F_NONBLOCK, true);
		return plain_connect(fd, e, addr, len, saved, w);
	}
	sigset_t all, old;
	int cancel;
	sigfillset(&all);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	real_fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	int r = real_connect(fd, addr, len);
	int err = errno;
	real_fcntl(fd, F_SETFL, fl);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_setcancelstate(cancel, NULL);
	if (r == 0 || err != EINPROGRESS)
		return connect_result(fd, e, r, err, saved, w);
	wc_deadline_arm(e, WC_OP_CONNECT, now, w->ip);
	return connect_wait(fd, e, addr, len, saved, w);
}

static int wc_connect(int fd, const struct sockaddr *addr, socklen_t len, void *ip)
{
	struct wc_fd *e = wc_fd_net(fd);
	if (!e || !addr || len < sizeof(sa_family_t)
	    || (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
		return real_connect(fd, addr, len);

	int saved = errno;
	if (LD(e->flags) & WC_F_CONNFAIL) {
		errno = wc_connect_failed(fd, e);
		return -1;
	}
	uint8_t role = LD(e->role);
	bool nonblock = LD(e->flags) & WC_F_NONBLOCK;
	int64_t own = LD(e->own_sndtimeo_ns);
	struct wc_wait w;
	if (role == WC_ROLE_CONNECTING) {
		/* A blocking connect again while in progress (retried after
		 * EINTR): the kernel waits for the same handshake, so do we,
		 * until the same deadline. */
		if (!nonblock && wc_fd_capped(e) && LD(e->deadline[WC_OP_CONNECT])) {
			wc_wait_begin(&w, WC_OP_CONNECT, "connect", ip, fd, e, own ? own / WC_MS : -1, 0);
			return connect_wait(fd, e, addr, len, saved, &w);
		}
		/* Else the kernel's answer (EALREADY, 0 once connected, the
		 * error). */
		int r = real_connect(fd, addr, len);
		int err = errno;
		if (r == 0 || (err != EALREADY && err != EINPROGRESS && err != EINTR))
			wc_connect_settled(fd, e, r == 0);
		errno = r == 0 ? saved : err;
		return r;
	}
	if (role == WC_ROLE_OUTBOUND || role == WC_ROLE_ACCEPTED || role == WC_ROLE_LISTENING)
		return real_connect(fd, addr, len); /* EISCONN and the like: the kernel's word */
	ST(e->role, WC_ROLE_CONNECTING);
	assign_caps(fd, e, addr, len);
	/* Rolled back: no backstop, no deadline; later phases ask again. */
	bool capped = wc_fd_capped(e) && LD(e->cap_ms[WC_OP_CONNECT]) != WC_NO_CAP
		      && !wc_caps_lifted(e);
	wc_wait_begin(&w, WC_OP_CONNECT, "connect", ip, fd, e,
		      nonblock ? 0 : own ? own / WC_MS : -1, nonblock ? -1 : 0);
	if (!capped) {
		wc_backstop_drop(fd, e);
		return plain_connect(fd, e, addr, len, saved, &w);
	}

	if (!wc_policy_now()->observe && !wc_policy_now()->legacy) /* cut nothing, not even in the kernel */
		set_backstop(fd, e);
	int64_t now = wc_now_ns();
	if (nonblock) {
		int r = real_connect(fd, addr, len);
		int err = errno;
		if (r != 0 && err == EINPROGRESS)
			wc_deadline_arm(e, WC_OP_CONNECT, now, ip);
		return connect_result(fd, e, r, err, saved, &w);
	}
	/* The program's own SO_SNDTIMEO bounds a blocking connect in the
	 * kernel; when it is the shorter one, the kernel does it all. */
	if (own && own <= (int64_t)LD(e->cap_ms[WC_OP_CONNECT]) * WC_MS)
		return plain_connect(fd, e, addr, len, saved, &w);
	return capped_blocking_connect(fd, e, addr, len, saved, &w, now);
}

WC_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	wc_real_ensure();
	return wc_connect(fd, addr, len, WC_CALLER());
}

/* ---- accept: never capped, traced when it blocked --------------------- */

static int wc_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags, bool four,
		     void *ip)
{
	struct wc_fd *e = wc_fd_net(fd);
	if (!e)
		return four ? real_accept4(fd, addr, len, flags) : real_accept(fd, addr, len);
	struct wc_wait w;
	bool nonblock = LD(e->flags) & WC_F_NONBLOCK;
	wc_wait_begin(&w, WC_OP_ACCEPT, four ? "accept4" : "accept", ip, fd, e,
		      nonblock ? 0 : -1, 0);
	int r = four ? real_accept4(fd, addr, len, flags) : real_accept(fd, addr, len);
	int err = errno;
	if (r >= 0) {
		struct wc_fd *n = wc_fd_slot(r);
		if (n) {
			wc_fd_new_socket(r, LD(e->family), SOCK_STREAM | (flags & SOCK_NONBLOCK));
			ST(n->role, WC_ROLE_ACCEPTED);
		}
	}
	if (!nonblock)
		wc_wait_end(&w, r, err, wc_outcome_of(r, err));
	errno = err;
	return r;
}

WC_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	wc_real_ensure();
	return wc_accept(fd, addr, len, 0, false, WC_CALLER());
}

WC_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	wc_real_ensure();
	return wc_accept(fd, addr, len, flags, true, WC_CALLER());
}

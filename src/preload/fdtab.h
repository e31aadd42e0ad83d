/* The fd table: what the library knows about each file descriptor.
 *
 * One fixed slot per fd, indexed by the fd number (socket_wrapper's
 * socket_fds_idx idea): "is this one of ours?" is one load.  The table is
 * one anonymous mapping sized from RLIMIT_NOFILE's hard limit; pages that
 * no fd touches are never faulted in.  Slots start zeroed (WC_KIND_UNKNOWN)
 * and are classified lazily the first time a wrapper sees the fd, so
 * inherited fds and fds received over SCM_RIGHTS are handled too.
 */
#ifndef WAITCAP_FDTAB_H
#define WAITCAP_FDTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "policy.h"
#include "preload.h"

enum wc_kind {
	WC_KIND_UNKNOWN = 0, /* not classified yet */
	WC_KIND_OTHER,       /* not a network socket: pass through forever */
	WC_KIND_NET,         /* an AF_INET/AF_INET6 socket */
};

enum wc_role {
	WC_ROLE_NONE = 0,   /* created here, not connected yet */
	WC_ROLE_CONNECTING, /* connect() in progress */
	WC_ROLE_OUTBOUND,   /* connected by this process */
	WC_ROLE_ACCEPTED,   /* returned by accept() */
	WC_ROLE_LISTENING,
	WC_ROLE_UNKNOWN,    /* inherited or received: never capped */
};

enum {
	WC_F_NONBLOCK = 1 << 0, /* O_NONBLOCK, as last set through us */
	WC_F_CAPPED = 1 << 1,   /* caps apply (outbound TCP, not legacy) */
	WC_F_PENDING = 1 << 2,  /* a deadline fired: next op gets ETIMEDOUT */
	/* our TCP_SYNCNT is set (from the capped connect on): getsockopt
	 * answers the program's own value */
	WC_F_BACKSTOP = 1 << 3,
	WC_F_LOWAT = 1 << 4,    /* the program set SO_RCVLOWAT */
	WC_F_STREAM = 1 << 5,   /* SOCK_STREAM */
	/* A connect the library timed out, not yet reported by connect():
	 * the kernel would still hold the socket "connecting" in state
	 * CLOSE, so the next connect() answers ETIMEDOUT (or ECONNABORTED
	 * once the error was taken) instead of starting a new attempt. */
	WC_F_CONNFAIL = 1 << 6,
	/* A wait of the program on this socket ended in its own timeout while
	 * a deadline was armed: a phase closed after that ended in the
	 * program's timeout (waitcap:phase outcome app_timeout). */
	WC_F_GAVE_UP = 1 << 7,
};

/* Deadlines are indexed by enum wc_op: connect, response (recv), send. */
struct wc_fd {
	uint8_t kind;
	uint8_t family;
	uint8_t role;
	uint8_t flags;
	int16_t rule;          /* index into the policy's rules, -1 none */
	uint16_t peer_port;    /* host order */
	uint64_t peer_addr[2]; /* network byte order; words, copied atomically */
	int32_t cap_ms[WC_SOCKET_OPS];
	int16_t own_syncnt;    /* the program's TCP_SYNCNT (1..127), 0: the kernel default */
	/* The socket's row in the stats destination table plus one (0:
	 * none), set at connect when the profile has automatic rollback: the
	 * row counts its responses and says whether its caps are lifted. */
	uint16_t dest;
	int64_t own_rcvtimeo_ns; /* the program's SO_RCVTIMEO, 0 none */
	int64_t own_sndtimeo_ns;
	int64_t deadline[WC_SOCKET_OPS]; /* CLOCK_MONOTONIC ns, 0 = disarmed */
	int64_t armed_at[WC_SOCKET_OPS];
	void *armed_ip[WC_SOCKET_OPS];
	/* The socket description's identity: a number given when a wrapped
	 * call created the socket, copied by dup (0: unknown).  Tells an
	 * epoll registration's fd apart from a later socket on the same
	 * number without a system call (the inode cost an fstat per
	 * connection). */
	uint64_t ident;
	/* epoll bookkeeping (epoll_reg.h): on an epoll fd's slot its set,
	 * WC_EP_SET_TAG | index; on a registered socket's, its node index;
	 * 0: neither.  close() and dup() keep the registrations true. */
	uint64_t epoll_ref;
	/* Upload progress while the response deadline is armed, one word so
	 * that disarming clears it with one store: the low half counts sends,
	 * the high half is SIOCOUTQ at the last look.  When the deadline is
	 * due, either moves it to cap after the request's last progress
	 * instead of firing it (wc_deadline_progressed). */
	uint64_t tx_progress;
	/* CLOCK_MONOTONIC_COARSE ns of the last of those sends (vDSO, no
	 * syscall, no TSC read); valid while the low half of tx_progress is
	 * non-zero.  Also pads the slot to 160 bytes: fd * 160 is two
	 * instructions (lea, shl), as 144 was; 152 takes three, on every
	 * wrapped call. */
	int64_t tx_last;
};

extern struct wc_fd *wc_fdtab;
extern unsigned int wc_fdtab_size;

/* Map the table.  Returns 0, or -1 (the library then passes through). */
int wc_fdtab_init(void);

/* Classify an unknown fd once (SO_TYPE / SO_DOMAIN / SO_ACCEPTCONN). */
void wc_fd_classify(int fd, struct wc_fd *e);

/* The slot of fd if it is a network socket the library should look at,
 * else NULL.  This is the whole cost of a wrapped call on a file, a pipe
 * or an AF_UNIX socket. */
static inline struct wc_fd *wc_fd_net(int fd)
{
	if (!wc_active() || (unsigned int)fd >= wc_fdtab_size)
		return NULL;
	struct wc_fd *e = &wc_fdtab[fd];
	uint8_t kind = LD(e->kind);
	if (WC_LIKELY(kind == WC_KIND_OTHER))
		return NULL;
	if (kind == WC_KIND_UNKNOWN) {
		wc_fd_classify(fd, e);
		if (LD(e->kind) != WC_KIND_NET)
			return NULL;
	}
	return e;
}

/* True when fd is known not to be a network socket (a file, a pipe, an
 * AF_UNIX socket): the wrappers then go straight to libc without building
 * anything.  Unknown fds take the normal path, once. */
static inline bool wc_fd_is_other(int fd)
{
	return (unsigned int)fd < wc_fdtab_size && LD(wc_fdtab[fd].kind) == WC_KIND_OTHER;
}

/* The slot of fd whatever it holds, or NULL when out of range/inactive. */
static inline struct wc_fd *wc_fd_slot(int fd)
{
	if (!wc_active() || (unsigned int)fd >= wc_fdtab_size)
		return NULL;
	return &wc_fdtab[fd];
}

/* The profile capped e at connect.  A rollback does not change this: it
 * is asked where a cap is about to be applied (wc_caps_lifted). */
static inline bool wc_fd_capped(const struct wc_fd *e)
{
	return LD(e->flags) & WC_F_CAPPED;
}

static inline void wc_fd_set_flag(struct wc_fd *e, uint8_t flag, bool on)
{
	if (on)
		__atomic_fetch_or(&e->flags, flag, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&e->flags, (uint8_t)~flag, __ATOMIC_RELAXED);
}

/* Slot bookkeeping for the fd wrappers. */
void wc_fd_reset(int fd);                  /* closed: back to unknown */
void wc_fd_copy(int from, int to);         /* dup: same socket, same state */
void wc_fd_new_socket(int fd, int domain, int type);
void wc_fd_set_nonblock(int fd, bool on);

/* Whether addr (from getpeername) is the remembered peer. */
bool wc_fd_same_peer(const struct wc_fd *e, const struct sockaddr *addr, unsigned long len);

/* Remember the peer's address and port (host order). */
void wc_fd_set_peer(struct wc_fd *e, const void *addr, unsigned long len, uint16_t port);

/* "127.0.0.1:8000" / "[::1]:443" / "" into buf (at least 64 bytes). */
void wc_fd_peer_string(const struct wc_fd *e, char *buf, unsigned long len);

/* The rule name for traces, "" when none. */
const char *wc_fd_rule_name(const struct wc_fd *e);

#endif

/* fd bookkeeping wrappers: creation, close, dup, flags, socket options.
 * None of these blocks; they only keep the fd table true. */

/* Both fcntl and fcntl64 are exported: no header redirection of one to
 * the other here. */
#undef _FILE_OFFSET_BITS
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <sys/ioctl.h>

#include "deadline.h"
#include "epoll_reg.h"
#include "fdtab.h"
#include "real.h"

/* ---- creation ---------------------------------------------------------- */

WC_EXPORT int socket(int domain, int type, int protocol)
{
	wc_real_ensure();
	int fd = real_socket(domain, type, protocol);
	if (fd >= 0)
		wc_fd_new_socket(fd, domain, type);
	return fd;
}

WC_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	wc_real_ensure();
	int r = real_socketpair(domain, type, protocol, sv);
	if (r == 0) {
		wc_fd_new_socket(sv[0], domain, type);
		wc_fd_new_socket(sv[1], domain, type);
	}
	return r;
}

/* ---- close ------------------------------------------------------------- */

static bool slot_has_state(int fd)
{
	struct wc_fd *e = wc_fd_slot(fd);
	return e && (LD(e->kind) == WC_KIND_NET || LD(e->epoll_ref));
}

/* A vfork() child shares its parent's memory, fd table included, until it
 * execs: its closes and dups (Python's subprocess closes every fd) are its
 * own, and must not erase the parent's sockets.  Only fds that hold state,
 * in a process that ever vforked (wrap_vfork.c), pay the getpid(). */
static bool in_vfork_child(int a, int b)
{
	return LD(wc_vforked) && (slot_has_state(a) || (b >= 0 && slot_has_state(b))) &&
	       getpid() != wc_pid;
}

/* The slot is cleared before the real close: once the fd number is free,
 * another thread's socket() may take it and fill the slot. */
WC_EXPORT int close(int fd)
{
	wc_real_ensure();
	if (in_vfork_child(fd, -1))
		return real_close(fd);
	wc_ep_fd_closing(fd);
	if (wc_trace_phase_enabled())
		wc_phase_close(fd);
	wc_fd_reset(fd);
	return real_close(fd);
}

static void reset_range(unsigned int first, unsigned int last)
{
	if (!wc_active() || (LD(wc_vforked) && getpid() != wc_pid))
		return;
	if (last >= wc_fdtab_size)
		last = wc_fdtab_size - 1;
	for (unsigned int fd = first; fd <= last && fd < wc_fdtab_size; fd++)
		if (LD(wc_fdtab[fd].kind) != WC_KIND_UNKNOWN || LD(wc_fdtab[fd].epoll_ref)) {
			wc_ep_fd_closing((int)fd);
			wc_fd_reset((int)fd);
		}
}

WC_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	wc_real_ensure();
	int r = real_close_range(first, last, flags);
	if (r == 0 && !(flags & CLOSE_RANGE_CLOEXEC))
		reset_range(first, last);
	return r;
}

WC_EXPORT void closefrom(int lowfd)
{
	wc_real_ensure();
	if (lowfd >= 0)
		reset_range((unsigned int)lowfd, ~0u);
	real_closefrom(lowfd);
}

/* ---- dup --------------------------------------------------------------- */

/* fd now names what oldfd names; whatever fd named before is closed. */
static void note_dup(int oldfd, int fd, bool skip)
{
	if (fd < 0 || fd == oldfd || skip)
		return;
	wc_ep_fd_closing(fd);
	wc_fd_copy(oldfd, fd);
	wc_ep_fd_dup(oldfd, fd);
}

WC_EXPORT int dup(int oldfd)
{
	wc_real_ensure();
	bool skip = in_vfork_child(oldfd, -1);
	int fd = real_dup(oldfd);
	note_dup(oldfd, fd, skip);
	return fd;
}

WC_EXPORT int dup2(int oldfd, int newfd)
{
	wc_real_ensure();
	bool skip = in_vfork_child(oldfd, newfd);
	int fd = real_dup2(oldfd, newfd);
	note_dup(oldfd, fd, skip);
	return fd;
}

WC_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	wc_real_ensure();
	bool skip = in_vfork_child(oldfd, newfd);
	int fd = real_dup3(oldfd, newfd, flags);
	note_dup(oldfd, fd, skip);
	return fd;
}

/* ---- flags ------------------------------------------------------------- */

/* Every fcntl argument is an int or a pointer, both passed in one
 * register on the ABIs glibc supports, so one unsigned long carries it. */
static int wc_fcntl(int (*real)(int, int, ...), int fd, int cmd, unsigned long arg)
{
	bool dup = cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
	bool skip = dup && in_vfork_child(fd, -1);
	int r = real(fd, cmd, arg);
	if (r < 0)
		return r;
	if (cmd == F_SETFL)
		wc_fd_set_nonblock(fd, arg & O_NONBLOCK);
	else if (dup)
		note_dup(fd, r, skip);
	return r;
}

WC_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	wc_real_ensure();
	return wc_fcntl(real_fcntl, fd, cmd, arg);
}

WC_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	unsigned long arg = va_arg(ap, unsigned long);
	va_end(ap);
	wc_real_ensure();
	return wc_fcntl(real_fcntl64, fd, cmd, arg);
}

WC_EXPORT int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	va_start(ap, request);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	wc_real_ensure();
	int r = real_ioctl(fd, request, arg);
	if (r == 0 && request == FIONBIO && arg)
		wc_fd_set_nonblock(fd, *(int *)arg != 0);
	return r;
}

/* ---- socket options ---------------------------------------------------- */

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif

static int64_t timeval_ns(const void *val, socklen_t len)
{
	/* struct timeval and the 64-bit __kernel_sock_timeval agree on LP64. */
	if (!val || len < sizeof(struct timeval))
		return 0;
	const struct timeval *tv = val;
	return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

WC_EXPORT int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	wc_real_ensure();
	struct wc_fd *e = wc_fd_net(fd);
	if (!e)
		return real_setsockopt(fd, level, name, val, len);
	if (level == IPPROTO_TCP && name == TCP_SYNCNT && val && len >= sizeof(int)
	    && (LD(e->flags) & WC_F_BACKSTOP) && LD(e->role) == WC_ROLE_CONNECTING) {
		/* Connecting under our backstop: remember the program's value,
		 * keep the smaller one in the kernel. */
		int own = *(const int *)val;
		if (own < 1 || own > 127) /* the kernel's EINVAL */
			return real_setsockopt(fd, level, name, val, len);
		int ours = wc_backstop_syncnt(LD(e->cap_ms[WC_OP_CONNECT]) + WC_BACKSTOP_MARGIN_MS);
		int eff = own < ours ? own : ours;
		int r = real_setsockopt(fd, level, name, &eff, sizeof(eff));
		if (r == 0)
			ST(e->own_syncnt, own);
		return r;
	}
	int r = real_setsockopt(fd, level, name, val, len);
	if (r != 0)
		return r;
	if (level == SOL_SOCKET) {
		if (name == SO_RCVTIMEO || name == SO_RCVTIMEO_NEW)
			ST(e->own_rcvtimeo_ns, timeval_ns(val, len));
		else if (name == SO_SNDTIMEO || name == SO_SNDTIMEO_NEW)
			ST(e->own_sndtimeo_ns, timeval_ns(val, len));
		else if (name == SO_RCVLOWAT && len >= sizeof(int))
			wc_fd_set_flag(e, WC_F_LOWAT, *(const int *)val > 1);
	} else if (level == IPPROTO_TCP && name == TCP_SYNCNT && len >= sizeof(int)) {
		ST(e->own_syncnt, *(const int *)val);
	}
	return r;
}

WC_EXPORT int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	wc_real_ensure();
	struct wc_fd *e = wc_fd_net(fd);
	if (!e || !wc_fd_capped(e))
		return real_getsockopt(fd, level, name, val, len);
	if (level == SOL_SOCKET && name == SO_ERROR && val && len && *len >= sizeof(int)) {
		if (wc_take_pending(e)) {
			/* The kernel's pending error is still read, and dropped:
			 * ours is the one this socket reports, once. */
			int ignored;
			socklen_t il = sizeof(ignored);
			real_getsockopt(fd, level, name, &ignored, &il);
			*(int *)val = ETIMEDOUT;
			*len = sizeof(int);
			return 0;
		}
		int r = real_getsockopt(fd, level, name, val, len);
		if (r == 0 && *(int *)val != 0)
			wc_connect_settled(fd, e, false);
		return r;
	}
	if (level == IPPROTO_TCP && name == TCP_SYNCNT && val && len && *len >= sizeof(int)
	    && (LD(e->flags) & WC_F_BACKSTOP)) {
		/* The kernel's answer for the program's own setting. */
		int r = real_getsockopt(fd, level, name, val, len);
		if (r == 0) {
			int own = LD(e->own_syncnt);
			*(int *)val = own > 0 ? own : wc_default_syncnt();
		}
		return r;
	}
	return real_getsockopt(fd, level, name, val, len);
}

/* The libc functions behind the wrappers: real_recv() is libc's recv().
 *
 * Filled once from dlsym(RTLD_NEXT) by wc_real_init(), which every wrapper
 * also calls lazily if it runs before the constructor.  A missing symbol
 * becomes a stub that fails with ENOSYS instead of crashing the host. */
#ifndef WAITCAP_REAL_H
#define WAITCAP_REAL_H

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define WC_REAL_FUNCS(X) \
	X(int, socket, (int, int, int)) \
	X(int, socketpair, (int, int, int, int *)) \
	X(int, close, (int)) \
	X(pid_t, vfork, (void)) \
	X(int, close_range, (unsigned int, unsigned int, int)) \
	X(void, closefrom, (int)) \
	X(int, dup, (int)) \
	X(int, dup2, (int, int)) \
	X(int, dup3, (int, int, int)) \
	X(int, fcntl, (int, int, ...)) \
	X(int, fcntl64, (int, int, ...)) \
	X(int, ioctl, (int, unsigned long, ...)) \
	X(int, setsockopt, (int, int, int, const void *, socklen_t)) \
	X(int, getsockopt, (int, int, int, void *, socklen_t *)) \
	X(int, shutdown, (int, int)) \
	X(int, connect, (int, const struct sockaddr *, socklen_t)) \
	X(int, accept, (int, struct sockaddr *, socklen_t *)) \
	X(int, accept4, (int, struct sockaddr *, socklen_t *, int)) \
	X(ssize_t, recv, (int, void *, size_t, int)) \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *)) \
	X(ssize_t, recvmsg, (int, struct msghdr *, int)) \
	X(ssize_t, read, (int, void *, size_t)) \
	X(ssize_t, readv, (int, const struct iovec *, int)) \
	X(ssize_t, send, (int, const void *, size_t, int)) \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int)) \
	X(ssize_t, write, (int, const void *, size_t)) \
	X(ssize_t, writev, (int, const struct iovec *, int)) \
	X(int, recvmmsg, (int, struct mmsghdr *, unsigned int, int, struct timespec *)) \
	X(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int)) \
	X(ssize_t, sendfile, (int, int, off_t *, size_t)) \
	X(ssize_t, sendfile64, (int, int, off_t *, size_t)) \
	X(int, poll, (struct pollfd *, nfds_t, int)) \
	X(int, ppoll, (struct pollfd *, nfds_t, const struct timespec *, const sigset_t *)) \
	X(int, select, (int, fd_set *, fd_set *, fd_set *, struct timeval *)) \
	X(int, pselect, (int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *)) \
	X(int, epoll_create, (int)) \
	X(int, epoll_create1, (int)) \
	X(int, epoll_ctl, (int, int, int, struct epoll_event *)) \
	X(int, epoll_wait, (int, struct epoll_event *, int, int)) \
	X(int, epoll_pwait, (int, struct epoll_event *, int, int, const sigset_t *)) \
	X(int, epoll_pwait2, (int, struct epoll_event *, int, const struct timespec *, const sigset_t *)) \
	X(int, getaddrinfo, (const char *, const char *, const struct addrinfo *, struct addrinfo **)) \
	X(int, getnameinfo, (const struct sockaddr *, socklen_t, char *, socklen_t, char *, socklen_t, int)) \
	X(int, gethostbyname_r, (const char *, struct hostent *, char *, size_t, struct hostent **, int *)) \
	X(int, gethostbyname2_r, (const char *, int, struct hostent *, char *, size_t, struct hostent **, int *))

/* The functions that return a pointer: a missing one returns NULL. */
#define WC_REAL_PTR_FUNCS(X) \
	X(struct hostent *, gethostbyname, (const char *)) \
	X(struct hostent *, gethostbyname2, (const char *, int))

#define WC_REAL_DECLARE(ret, name, args) extern ret (*real_##name) args;
WC_REAL_FUNCS(WC_REAL_DECLARE)
WC_REAL_PTR_FUNCS(WC_REAL_DECLARE)
#undef WC_REAL_DECLARE

/* Resolve every pointer; idempotent and safe to race (same values). */
void wc_real_init(void);

static inline void wc_real_ensure(void)
{
	extern int wc_real_done;
	if (__builtin_expect(!__atomic_load_n(&wc_real_done, __ATOMIC_ACQUIRE), 0))
		wc_real_init();
}

#endif

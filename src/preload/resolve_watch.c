/* Lookups over TCP (`options use-vc`): glibc's resolver reads the answer
 * with a blocking read() and no timeout, so RES_OPTIONS cannot bound it.
 * A watcher thread, started at the first capped lookup of a process whose
 * resolver uses TCP, shuts down the resolver's TCP socket of a lookup that
 * outlived its cap: the read sees end of file, the resolver gives up on
 * that server as it would on a reset, and the lookup ends with EAI_AGAIN.
 *
 * A lookup takes a slot (one compare-and-swap, no lock, no malloc) and
 * frees it after; the watcher sleeps on a futex while no slot is taken and
 * looks every WATCH_TICK_MS while one is. */
#include <errno.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"
#include "real.h"
#include "resolve_watch.h"

#define WATCH_SLOTS 64
#define WATCH_TICK_MS 20

static struct {
	int64_t deadline;    /* CLOCK_MONOTONIC ns; 0: free */
	struct __res_state *res;
} slots[WATCH_SLOTS];

static bool watch_enabled;
static int watch_started;   /* 0 no, 1 starting or running */
static int watch_busy;      /* the futex word: slots taken */

static long futex(int *word, int op, int value, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

/* Is fd still the resolver's TCP socket to one of its name servers?  The
 * resolver may have closed it (and the number may be another socket by
 * now) between our load of _vcsock and this check. */
static bool is_resolver_socket(int fd, const struct __res_state *res)
{
	int type = 0;
	socklen_t len = sizeof type;
	if (real_getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM)
		return false;
	struct sockaddr_storage peer;
	len = sizeof peer;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0)
		return false;
	for (int i = 0; i < res->nscount && i < MAXNS; i++) {
		if (peer.ss_family == AF_INET) {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&peer;
			const struct sockaddr_in *ns = &res->nsaddr_list[i];
			if (ns->sin_family == AF_INET && a->sin_port == ns->sin_port &&
			    a->sin_addr.s_addr == ns->sin_addr.s_addr)
				return true;
		} else if (peer.ss_family == AF_INET6 && res->_u._ext.nsaddrs[i]) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&peer;
			const struct sockaddr_in6 *ns = res->_u._ext.nsaddrs[i];
			if (a->sin6_port == ns->sin6_port &&
			    !memcmp(&a->sin6_addr, &ns->sin6_addr, sizeof a->sin6_addr))
				return true;
		}
	}
	return false;
}

static void *watch(void *unused)
{
	(void)unused;
	wc_guard++; /* the watcher's own calls are never capped or traced */
	for (;;) {
		int busy = LD(watch_busy);
		if (busy == 0) {
			futex(&watch_busy, FUTEX_WAIT_PRIVATE, 0, NULL);
			continue;
		}
		struct timespec tick = {0, WATCH_TICK_MS * WC_MS};
		nanosleep(&tick, NULL);
		int64_t now = wc_now_ns();
		for (int i = 0; i < WATCH_SLOTS; i++) {
			int64_t deadline = LD(slots[i].deadline);
			struct __res_state *res = LD(slots[i].res);
			if (deadline <= 0 || now < deadline || !res)
				continue;
			int fd = LD(res->_vcsock);
			if (fd >= 0 && is_resolver_socket(fd, res))
				real_shutdown(fd, SHUT_RDWR);
		}
	}
	return NULL;
}

static void start(void)
{
	int expected = 0;
	if (!__atomic_compare_exchange_n(&watch_started, &expected, 1, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_RELAXED))
		return;
	int saved = errno;
	wc_guard++;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the program's signals are not ours */
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, watch, NULL) == 0)
		pthread_setname_np(t, "waitcap-resolve");
	else
		ST(watch_enabled, false); /* no thread: TCP lookups stay unbounded */
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	wc_guard--;
	errno = saved;
}

/* A forked child has no watcher thread: the next lookup starts one. */
static void after_fork_in_child(void)
{
	watch_started = 0;
	watch_busy = 0;
	memset(slots, 0, sizeof slots);
}

void wc_resolve_watch_enable(void)
{
	watch_enabled = true;
	pthread_atfork(NULL, NULL, after_fork_in_child);
}

int wc_resolve_watch_arm(int64_t deadline)
{
	if (!LD(watch_enabled))
		return -1;
	start();
	for (int i = 0; i < WATCH_SLOTS; i++) {
		int64_t free_slot = 0;
		if (!__atomic_compare_exchange_n(&slots[i].deadline, &free_slot, -1, false,
						 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			continue;
		ST(slots[i].res, &_res);
		__atomic_store_n(&slots[i].deadline, deadline, __ATOMIC_RELEASE);
		if (__atomic_fetch_add(&watch_busy, 1, __ATOMIC_ACQ_REL) == 0) {
			int saved = errno;
			futex(&watch_busy, FUTEX_WAKE_PRIVATE, 1, NULL);
			errno = saved;
		}
		return i;
	}
	return -1; /* every slot taken: this lookup is not watched */
}

void wc_resolve_watch_disarm(int slot)
{
	if (slot < 0)
		return;
	ST(slots[slot].res, NULL);
	__atomic_store_n(&slots[slot].deadline, 0, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&watch_busy, 1, __ATOMIC_ACQ_REL);
}

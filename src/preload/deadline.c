/* Deadline arithmetic and expiry. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>

#include "deadline.h"
#include "real.h"
#include "stats.h"

void wc_deadline_arm(struct wc_fd *e, enum wc_op op, int64_t now, void *ip)
{
	int32_t cap = LD(e->cap_ms[op]);
	if (cap == WC_NO_CAP || LD(e->deadline[op]))
		return;
	ST(e->armed_at[op], now);
	ST(e->armed_ip[op], ip);
	ST(e->deadline[op], now + (int64_t)cap * WC_MS);
}

int64_t wc_deadline_earliest(const struct wc_fd *e, enum wc_op *op)
{
	int64_t best = 0;
	for (int i = 0; i < WC_OP_COUNT; i++) {
		int64_t d = LD(e->deadline[i]);
		if (d && (!best || d < best)) {
			best = d;
			*op = (enum wc_op)i;
		}
	}
	return best;
}

bool wc_expire(int fd, struct wc_fd *e, enum wc_op op)
{
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
	for (int i = 0; i < WC_OP_COUNT; i++)
		ST(e->deadline[i], 0);
	wc_fd_set_flag(e, WC_F_PENDING, true);
	wc_fd_set_flag(e, WC_F_BACKSTOP, false);
	ST(e->role, WC_ROLE_OUTBOUND);
	/* Nothing may arrive late: a connect in SYN_SENT is aborted, an
	 * established connection sends FIN and reads EOF from now on. */
	real_shutdown(fd, SHUT_RDWR);
	errno = saved;
	return true;
}

void wc_connect_settled(int fd, struct wc_fd *e, bool ok)
{
	/* Either way the program's own TCP_USER_TIMEOUT comes back. */
	if (LD(e->role) != WC_ROLE_CONNECTING)
		return;
	int saved = errno;
	wc_stats_connected(e, ok);
	ST(e->role, WC_ROLE_OUTBOUND);
	wc_deadline_disarm(e, WC_OP_CONNECT);
	if (LD(e->flags) & WC_F_BACKSTOP) {
		wc_fd_set_flag(e, WC_F_BACKSTOP, false);
		int own = LD(e->own_user_timeout_ms);
		real_setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &own, sizeof(own));
	}
	errno = saved;
}

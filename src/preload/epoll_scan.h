/* Before an epoll wait: the earliest deadline among the set's capped
 * sockets, or a bound no deadline can come before.
 *
 * A full scan reads one dense array of fds and each socket's flags and
 * deadlines, and leaves what it found in the set: until the set changes
 * (epoll_ctl, close, dup) or the bound passes, the waits that follow reuse
 * it, because a deadline armed after the scan comes no sooner than the
 * scan's time plus the policy's shortest cap.  A pool of idle sockets is
 * then looked at once per cap, not on every wait. */
#ifndef WAITCAP_EPOLL_SCAN_H
#define WAITCAP_EPOLL_SCAN_H

#include "epoll_reg.h"

struct ep_scan {
	int64_t earliest;   /* earliest armed deadline among the set's sockets */
	int64_t bound;      /* no deadline can come before this */
	int bound_fd;       /* the socket that bounds it, for traces */
	struct wc_fd *bound_e;
	bool has_capped;
	bool fresh;         /* from a scan of every socket, not the cache */
};

/* What bounds a wait on set si starting at now: the cache while it
 * holds, else a full scan. */
void wc_ep_bound(uint32_t si, struct ep_scan *sc, int64_t now);

/* Scan every socket of set si now, and leave the result for later waits. */
void wc_ep_full_scan(uint32_t si, struct ep_scan *sc, int64_t now);

#endif

/* After an epoll wait: what the kernel reported settles deadlines (EPOLLIN
 * the response, EPOLLOUT the send, any event on a connecting socket the
 * connect); a socket whose ETIMEDOUT is pending reports EPOLLERR plus the
 * events awaited; sockets past their deadline are expired, which makes
 * the kernel report them with the program's own epoll_data and its own
 * EPOLLONESHOT/EPOLLET rules. */
#ifndef WAITCAP_EPOLL_SETTLE_H
#define WAITCAP_EPOLL_SETTLE_H

#include <stdbool.h>
#include <sys/epoll.h>

#include "epoll_reg.h"
#include "wait.h"

/* One reported event of set si.  Returns false for an event to drop (an
 * EPOLLET registration's expiry reported already).  w gets the socket and
 * cap of a capped report. */
bool wc_ep_event(uint32_t si, struct epoll_event *ev, struct wc_wait *w);

/* wc_ep_event for events[from, r); dropped ones are squeezed out.
 * Returns the new count. */
int wc_ep_events(uint32_t si, struct epoll_event *events, int from, int r, struct wc_wait *w);

/* Expire every socket of set si past its deadline at now (unless its
 * answer came unreported).  Returns how many. */
int wc_ep_expire(uint32_t si, int64_t now, struct wc_wait *w);

#endif

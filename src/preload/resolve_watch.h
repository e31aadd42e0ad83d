/* The watcher of lookups over TCP (resolve_watch.c). */
#ifndef WAITCAP_RESOLVE_WATCH_H
#define WAITCAP_RESOLVE_WATCH_H

#include <stdint.h>

/* At start, when the resolver is configured for TCP (use-vc). */
void wc_resolve_watch_enable(void);

/* A capped lookup begins on this thread: watch it until deadline
 * (CLOCK_MONOTONIC ns).  Returns the slot for disarm, -1 when not watched. */
int wc_resolve_watch_arm(int64_t deadline);
void wc_resolve_watch_disarm(int slot);

#endif

/* The worker's progress as the supervisor sees it (supervise.h): a page
 * shared across the fork, where the reader counts the batches of messages
 * babeltrace2 hands it and says which trace it reads.  libbabeltrace2 can
 * spin forever on damaged metadata (cut short at 100 or 4000 bytes) without
 * ever calling back: the count stops moving, and the supervisor ends the
 * worker and names the trace. */
#ifndef WC_ANALYZE_WATCH_H
#define WC_ANALYZE_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No batch for this long while reading: the reader is stuck.  A healthy
 * read hands over a batch every few milliseconds; parsing even a large
 * metadata file takes well under a second. */
#define WC_WATCH_STALL_SECONDS 10

/* Before the fork (supervisor).  -1 when the page cannot be mapped: then
 * nothing is watched. */
int wc_watch_init(void);

/* In the worker: a read starts (several readers may run at once, one per
 * thread), is at the trace named (a directory, or a description such as
 * "one of 3 traces"), made progress, ended. */
void wc_watch_begin(void);
void wc_watch_at(const char *trace);
void wc_watch_beat(void);
void wc_watch_end(void);

/* In the supervisor, about once a second: true when a read has been
 * running without progress for WC_WATCH_STALL_SECONDS; trace is then the
 * one last named. */
bool wc_watch_stalled(int64_t now_ms, char *trace, size_t tracelen);

#endif

/* `waitcap analyze --live URL`: a live session served by lttng-relayd,
 * read with babeltrace2's src.ctf.lttng-live, the per-call-site table
 * redrawn every interval with everything read so far. */
#ifndef WC_ANALYZE_LIVE_H
#define WC_ANALYZE_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "aggregate.h"

struct wc_live_options {
	const char *url;          /* net://HOST[:PORT][/host/HOSTNAME/SESSION] */
	int64_t interval_ns;
	const struct wc_filters *filters;
	const char *const *skip;
	const char *debug_dirs;   /* NULL: none */
	int by[2], nby;
	size_t top;
};

/* Runs until the session ends or SIGINT/SIGTERM: 0, or 1 with one line on
 * stderr. */
int wc_live_run(const struct wc_live_options *o);

#endif

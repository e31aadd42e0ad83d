/* Reading traces: a babeltrace2 graph of one src.ctf.fs per trace
 * directory, a utils.muxer that merges them in time order, and an
 * in-process simple sink that hands every message to the decoder. */
#ifndef WC_ANALYZE_READ_H
#define WC_ANALYZE_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "aggregate.h"
#include "discover.h"

/* 0 on success; -1 with one line in err (the first trace that could not be
 * read and why). */
int wc_read_traces(struct wc_agg *agg, const struct wc_trace_list *traces,
		   bool progress, char *err, size_t errlen);

#endif

/* The analyzer's sink in the babeltrace2 graph: every message of a batch
 * goes to the decoder, then the caller's per-batch hook runs (progress bar
 * and watchdog for files, nothing for live).  One function for both
 * readers, so a status babeltrace2 adds is handled in one place. */
#ifndef WC_ANALYZE_SINK_H
#define WC_ANALYZE_SINK_H

#include <babeltrace2/babeltrace.h>

#include "decode.h"

struct wc_sink {
	struct wc_decoder dec;
	void (*after_batch)(struct wc_sink *sink);  /* NULL: none */
};

/* The simple sink's consume function; data is a struct wc_sink *. */
bt_graph_simple_sink_component_consume_func_status wc_sink_consume(bt_message_iterator *it,
								     void *data);

/* bt_graph_run until it ends, sleeping between AGAINs as babeltrace2's own
 * CLI does (its --retry-duration): a source that has nothing yet (a live
 * relay, a muxer waiting on one) must not be polled in a busy loop.  The
 * sleep starts at 1 ms and doubles to 100 ms while nothing is decoded. */
bt_graph_run_status wc_sink_run(bt_graph *graph, const struct wc_sink *sink);

#endif

/* Turning babeltrace2 messages into aggregation calls.
 *
 * Field positions are looked up once per event class (by name, with their
 * types checked) and then read by index: a trace whose metadata lacks a
 * field, or gives it an unexpected type, is reported instead of read. */
#ifndef WC_ANALYZE_DECODE_H
#define WC_ANALYZE_DECODE_H

#include <babeltrace2/babeltrace.h>
#include <stdbool.h>
#include <stdint.h>

#include "aggregate.h"

struct wc_decoder {
	struct wc_agg *agg;
	struct wc_table classes;         /* bt_event_class * -> struct wc_class * */
	const bt_event_class *last_class;
	struct wc_class *last_info;
	const bt_trace *last_trace;      /* -> last_host */
	uint32_t last_host;
	struct { uint32_t host; int64_t pid; struct wc_process *proc; } last_proc;
	int64_t last_ns;                 /* time of the latest event, for progress */
	bool details;                    /* decode peer, rule, tid, time (views, timeline) */
	char error[512];                 /* set when decoding must stop */
};

/* Events decoded so far by all reading threads (in steps of 65536), for
 * the progress bar. */
extern _Atomic uint64_t wc_events_seen;

void wc_decoder_init(struct wc_decoder *dec, struct wc_agg *agg);
/* false (with dec->error set) when the trace cannot be used. */
bool wc_decode_message(struct wc_decoder *dec, const bt_message *msg);
void wc_decoder_free(struct wc_decoder *dec);

#endif

#include "sink.h"

#include <time.h>

bt_graph_simple_sink_component_consume_func_status wc_sink_consume(bt_message_iterator *it,
								     void *data)
{
	struct wc_sink *sink = data;
	bt_message_array_const msgs;
	uint64_t count;
	switch (bt_message_iterator_next(it, &msgs, &count)) {
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
		break;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_END;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_AGAIN;
	case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_MEMORY_ERROR;
	default:
		return BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
	}
	bool ok = true;
	for (uint64_t i = 0; i < count; i++) {
		if (ok)
			ok = wc_decode_message(&sink->dec, msgs[i]);
		bt_message_put_ref(msgs[i]);
	}
	if (sink->after_batch)
		sink->after_batch(sink);
	return ok ? BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_OK
		  : BT_GRAPH_SIMPLE_SINK_COMPONENT_CONSUME_FUNC_STATUS_ERROR;
}

#define RETRY_FIRST_NS 1000000L
#define RETRY_MAX_NS 100000000L   /* babeltrace2 run's default --retry-duration */

bt_graph_run_status wc_sink_run(bt_graph *graph, const struct wc_sink *sink)
{
	long wait_ns = RETRY_FIRST_NS;
	uint64_t seen = sink->dec.agg->events_read;
	bt_graph_run_status status;
	while ((status = bt_graph_run(graph)) == BT_GRAPH_RUN_STATUS_AGAIN) {
		if (sink->dec.agg->events_read != seen) {
			/* Data came since the last AGAIN: more is likely soon. */
			seen = sink->dec.agg->events_read;
			wait_ns = RETRY_FIRST_NS;
		}
		struct timespec ts = { 0, wait_ns };
		nanosleep(&ts, NULL);
		if (wait_ns < RETRY_MAX_NS)
			wait_ns = wait_ns * 2 < RETRY_MAX_NS ? wait_ns * 2 : RETRY_MAX_NS;
	}
	return status;
}

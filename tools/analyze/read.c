#include "read.h"

#include <babeltrace2/babeltrace.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"
#include "sink.h"
#include "watch.h"

struct file_sink {
	struct wc_sink sink;   /* first: the hook gets it back as a file_sink */
	struct wc_progress progress;
};

/* After every batch: the bar moves and the supervisor sees a heartbeat. */
static void file_batch(struct wc_sink *sink)
{
	struct file_sink *st = (struct file_sink *)sink;
	wc_progress_update(&st->progress, st->sink.dec.last_ns, wc_events_seen);
	wc_watch_beat();
}

/* libbabeltrace2 reports errors as a chain of causes; the first one
 * appended is the root (what is wrong with the file), the later ones say
 * which component gave up. */
static void take_error(char *err, size_t errlen, const char *what)
{
	const bt_error *e = bt_current_thread_take_error();
	const char *why = NULL;
	if (e) {
		uint64_t n = bt_error_get_cause_count(e);
		if (n)
			why = bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, 0));
	}
	char line[512];
	snprintf(line, sizeof(line), "%s%s%s", what, why ? ": " : "", why ? why : "");
	/* One line: babeltrace2 messages can span several. */
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(err, errlen, "%s", line);
	if (e)
		bt_error_release(e);
}

static const bt_plugin *find_plugin(const char *name)
{
	const bt_plugin *plugin = NULL;
	if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &plugin) !=
	    BT_PLUGIN_FIND_STATUS_OK) {
		bt_current_thread_clear_error();
		return NULL;
	}
	return plugin;
}

int wc_plugins_load(struct wc_plugins *p, char *err, size_t errlen)
{
	/* Errors are reported by us, in one line; keep the library quiet. */
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	p->ctf = find_plugin("ctf");
	p->utils = find_plugin("utils");
	if (!p->ctf || !p->utils) {
		wc_plugins_put(p);
		snprintf(err, errlen, "babeltrace2 plugins 'ctf' and 'utils' not found "
			 "(is the babeltrace2 package installed?)");
		return -1;
	}
	return 0;
}

void wc_plugins_put(struct wc_plugins *p)
{
	bt_plugin_put_ref(p->ctf);
	bt_plugin_put_ref(p->utils);
	p->ctf = p->utils = NULL;
}

/* The trace is named after its directory (the real one, for a parallel
 * reader's directory of symlinks): the host of a trace without a hostname
 * comes from its place in a relay's output tree (decode.c). */
static bt_value *fs_params(const char *dir)
{
	bt_value *params = bt_value_map_create();
	bt_value *inputs = NULL;
	char meta[4096], real[4096];
	snprintf(meta, sizeof(meta), "%s/metadata", dir);
	ssize_t n = readlink(meta, real, sizeof(real) - 1);
	if (n > 0) {
		real[n] = 0;
		char *slash = strrchr(real, '/');
		if (slash)
			*slash = 0;
	} else {
		snprintf(real, sizeof(real), "%s", dir);
	}
	if (!params || bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, dir) ||
	    bt_value_map_insert_string_entry(params, "trace-name", real)) {
		bt_value_put_ref(params);
		return NULL;
	}
	return params;
}

/* The earliest begin and latest end of any "range-ns" in a query result. */
static void scan_ranges(const bt_value *v, int64_t *begin, int64_t *end)
{
	if (bt_value_is_array(v)) {
		for (uint64_t i = 0; i < bt_value_array_get_length(v); i++)
			scan_ranges(bt_value_array_borrow_element_by_index_const(v, i), begin, end);
	} else if (bt_value_is_map(v)) {
		const bt_value *r = bt_value_map_borrow_entry_value_const(v, "range-ns");
		if (r && bt_value_is_map(r)) {
			const bt_value *b = bt_value_map_borrow_entry_value_const(r, "begin");
			const bt_value *e = bt_value_map_borrow_entry_value_const(r, "end");
			if (b && bt_value_is_signed_integer(b) && bt_value_integer_signed_get(b) < *begin)
				*begin = bt_value_integer_signed_get(b);
			if (e && bt_value_is_signed_integer(e) && bt_value_integer_signed_get(e) > *end)
				*end = bt_value_integer_signed_get(e);
		}
		const bt_value *s = bt_value_map_borrow_entry_value_const(v, "stream-infos");
		if (s)
			scan_ranges(s, begin, end);
	}
}

static void trace_time_span(const bt_component_class_source *fs, const char *dir,
			    int64_t *begin, int64_t *end)
{
	bt_value *params = fs_params(dir);
	if (!params)
		return;
	bt_query_executor *q = bt_query_executor_create(
		bt_component_class_source_as_component_class_const(fs), "babeltrace.trace-infos", params);
	const bt_value *result = NULL;
	if (q && bt_query_executor_query(q, &result) == BT_QUERY_EXECUTOR_QUERY_STATUS_OK) {
		scan_ranges(result, begin, end);
		bt_value_put_ref(result);
	} else {
		bt_current_thread_clear_error();
	}
	bt_query_executor_put_ref(q);
	bt_value_put_ref(params);
}

static int connect_source(bt_graph *graph, const bt_component_source *src,
			  const bt_component_filter *mux)
{
	uint64_t n = bt_component_source_get_output_port_count(src);
	for (uint64_t i = 0; i < n; i++) {
		const bt_port_output *out = bt_component_source_borrow_output_port_by_index_const(src, i);
		/* The muxer always offers one free input port, named inN. */
		uint64_t nin = bt_component_filter_get_input_port_count(mux);
		const bt_port_input *in = bt_component_filter_borrow_input_port_by_index_const(mux, nin - 1);
		if (bt_graph_connect_ports(graph, out, in, NULL) != BT_GRAPH_CONNECT_PORTS_STATUS_OK)
			return -1;
	}
	return 0;
}

int wc_read_traces(struct wc_agg *agg, char *const *dirs, size_t ndirs,
		   const struct wc_plugins *plugins, bool progress, char *err, size_t errlen)
{
	int rc = -1;
	struct file_sink st = { .sink.after_batch = file_batch };
	wc_watch_begin();
	wc_decoder_init(&st.sink.dec, agg);
	wc_progress_start(&st.progress, false, 0, 0);
	bt_graph *graph = NULL;
	const bt_plugin *ctf = plugins->ctf, *utils = plugins->utils;
	const bt_component_class_source *fs = bt_plugin_borrow_source_component_class_by_name_const(ctf, "fs");
	const bt_component_class_filter *muxer = bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
	graph = bt_graph_create(0);
	const bt_component_filter *mux = NULL;
	const bt_component_sink *sink;
	if (!fs || !muxer || !graph ||
	    bt_graph_add_simple_sink_component(graph, "waitcap", NULL, wc_sink_consume, NULL, &st.sink, &sink)) {
		take_error(err, errlen, "cannot set up the babeltrace2 graph");
		goto out;
	}

	int64_t begin = INT64_MAX, end = INT64_MIN;
	const bt_component_source **srcs = calloc(ndirs + 1, sizeof(*srcs));
	uint64_t nports = 0;
	if (!srcs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ndirs; i++) {
		char name[32];
		snprintf(name, sizeof(name), "src%zu", i);
		wc_watch_at(dirs[i]); /* adding the source parses the metadata */
		bt_value *params = fs_params(dirs[i]);
		const bt_component_source *src;
		bt_graph_add_component_status s = params
			? bt_graph_add_source_component(graph, fs, name, params, BT_LOGGING_LEVEL_NONE, &src)
			: BT_GRAPH_ADD_COMPONENT_STATUS_MEMORY_ERROR;
		bt_value_put_ref(params);
		if (s != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
			char what[4200];
			snprintf(what, sizeof(what), "%s: not a readable CTF trace", dirs[i]);
			take_error(err, errlen, what);
			goto out;
		}
		srcs[i] = src;
		nports += bt_component_source_get_output_port_count(src);
		if (progress)
			trace_time_span(fs, dirs[i], &begin, &end);
	}
	const bt_port_input *sink_in = bt_component_sink_borrow_input_port_by_index_const(sink, 0);
	if (nports == 1) {
		/* One stream (a parallel reader's share, usually): no merging. */
		for (size_t i = 0; i < ndirs; i++)
			if (bt_component_source_get_output_port_count(srcs[i]) == 1 &&
			    bt_graph_connect_ports(graph, bt_component_source_borrow_output_port_by_index_const(srcs[i], 0),
						   sink_in, NULL)) {
				take_error(err, errlen, "cannot connect the trace to the sink");
				goto out_srcs;
			}
	} else {
		if (bt_graph_add_filter_component(graph, muxer, "muxer", NULL, BT_LOGGING_LEVEL_NONE, &mux)) {
			take_error(err, errlen, "cannot set up the babeltrace2 graph");
			goto out_srcs;
		}
		for (size_t i = 0; i < ndirs; i++)
			if (connect_source(graph, srcs[i], mux) < 0) {
				take_error(err, errlen, "cannot connect the trace to the muxer");
				goto out_srcs;
			}
		if (bt_graph_connect_ports(graph, bt_component_filter_borrow_output_port_by_index_const(mux, 0),
					   sink_in, NULL)) {
			take_error(err, errlen, "cannot connect the muxer to the sink");
			goto out_srcs;
		}
	}
	free(srcs);
	srcs = NULL;
	wc_progress_start(&st.progress, progress, begin, end);
	if (ndirs > 1) {
		char which[64];
		snprintf(which, sizeof(which), "one of %zu traces", ndirs);
		wc_watch_at(which);
	}

	bt_graph_run_status status = wc_sink_run(graph, &st.sink);
	wc_progress_end(&st.progress);
	if (status != BT_GRAPH_RUN_STATUS_OK) {
		if (st.sink.dec.error[0]) {
			bt_current_thread_clear_error();
			snprintf(err, errlen, "%s", st.sink.dec.error);
		} else {
			char what[128];
			snprintf(what, sizeof(what), "cannot read the trace (%s)",
				 ndirs == 1 ? dirs[0] : "one of the traces");
			take_error(err, errlen, what);
		}
		goto out;
	}
	if (agg->out_of_memory) {
		snprintf(err, errlen, "out of memory while aggregating");
		goto out;
	}
	rc = 0;
	goto out;
out_srcs:
	free(srcs);
out:
	bt_graph_put_ref(graph);
	wc_decoder_free(&st.sink.dec);
	wc_watch_end();
	return rc;
}

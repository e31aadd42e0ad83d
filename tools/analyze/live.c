#include "live.h"

#include <babeltrace2/babeltrace.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "sink.h"
#include "symbolize.h"

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	stop_requested = sig;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const char *cause(void)
{
	static char line[512];
	const bt_error *e = bt_current_thread_take_error();
	line[0] = 0;
	if (e) {
		uint64_t n = bt_error_get_cause_count(e);
		if (n)
			snprintf(line, sizeof(line), ": %s",
				 bt_error_cause_get_message(bt_error_borrow_cause_by_index(e, 0)));
		bt_error_release(e);
	}
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return line;
}

/* A URL that names no session: ask the relay which live sessions it has
 * and take the only one (or the only waitcap one). */
static int find_session(const bt_component_class_source *live, const char *url, char *out,
			size_t outlen)
{
	bt_value *params = bt_value_map_create();
	if (!params || bt_value_map_insert_string_entry(params, "url", url)) {
		bt_value_put_ref(params);
		fprintf(stderr, "waitcap analyze: out of memory\n");
		return -1;
	}
	bt_query_executor *q = bt_query_executor_create(
		bt_component_class_source_as_component_class_const(live), "sessions", params);
	const bt_value *result = NULL;
	int rc = -1;
	if (!q || bt_query_executor_query(q, &result) != BT_QUERY_EXECUTOR_QUERY_STATUS_OK ||
	    !bt_value_is_array(result)) {
		fprintf(stderr, "waitcap analyze: --live %s: cannot list the relay's live sessions%s\n",
			url, cause());
		goto out;
	}
	uint64_t n = bt_value_array_get_length(result), found = 0, waitcap = 0;
	const char *any = NULL, *ours = NULL;
	for (uint64_t i = 0; i < n; i++) {
		const bt_value *s = bt_value_array_borrow_element_by_index_const(result, i);
		const bt_value *u = bt_value_map_borrow_entry_value_const(s, "url");
		const bt_value *name = bt_value_map_borrow_entry_value_const(s, "session-name");
		if (!u || !bt_value_is_string(u))
			continue;
		found++;
		any = bt_value_string_get(u);
		if (name && bt_value_is_string(name) && strncmp(bt_value_string_get(name), "waitcap-", 8) == 0) {
			waitcap++;
			ours = any;
		}
	}
	const char *pick = found == 1 ? any : waitcap == 1 ? ours : NULL;
	if (!pick) {
		fprintf(stderr, "waitcap analyze: --live %s: %s; give one as "
			"net://HOST:PORT/host/HOSTNAME/SESSION (babeltrace2 -i lttng-live %s lists them)\n",
			url, found ? "several live sessions" : "no live session (start one with "
			"waitcap record --relay URL --live)", url);
		goto out;
	}
	snprintf(out, outlen, "%s", pick);
	rc = 0;
out:
	bt_value_put_ref(result);
	bt_query_executor_put_ref(q);
	bt_value_put_ref(params);
	return rc;
}

/* What was read since the last refresh joins the total, and the table is
 * drawn again from the top of the screen. */
static void refresh(const struct wc_live_options *o, const char *session, struct wc_agg *total,
		    struct wc_agg *cur, bool ended)
{
	wc_agg_absorb(total, cur);
	wc_agg_finish(total);
	struct wc_symbolizer *sym = wc_symbolizer_new(&total->bins, o->debug_dirs);
	struct wc_report *r = sym ? wc_report_build(total, sym, o->top) : NULL;
	char stamp[16];
	time_t now = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof(stamp), "%H:%M:%S", localtime_r(&now, &tm));
	if (isatty(STDOUT_FILENO))
		fputs("\033[H\033[2J", stdout);
	printf("waitcap analyze --live %s  %s%s\n", session, stamp,
	       ended ? "  (the session ended)" : "");
	if (r) {
		char *names[1] = { (char *)session };
		r->traces = names;
		r->ntraces = 1;
		const char *cols = getenv("COLUMNS");
		r->width = cols && atoi(cols) > 0 ? atoi(cols) : 0;
		wc_format_table(r, stdout);
	} else {
		printf("out of memory\n");
	}
	fflush(stdout);
	wc_report_free(r);
	wc_symbolizer_free(sym);
}

int wc_live_run(const struct wc_live_options *o)
{
	bt_logging_set_global_level(BT_LOGGING_LEVEL_NONE);
	const bt_plugin *ctf = NULL, *utils = NULL;
	if (bt_plugin_find("ctf", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &ctf) != BT_PLUGIN_FIND_STATUS_OK ||
	    bt_plugin_find("utils", BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, &utils) != BT_PLUGIN_FIND_STATUS_OK) {
		fprintf(stderr, "waitcap analyze: babeltrace2 plugins 'ctf' and 'utils' not found "
			"(is the babeltrace2 package installed?)\n");
		return 1;
	}
	const bt_component_class_source *live =
		bt_plugin_borrow_source_component_class_by_name_const(ctf, "lttng-live");
	const bt_component_class_filter *muxer =
		bt_plugin_borrow_filter_component_class_by_name_const(utils, "muxer");
	char session[1024];
	int rc = 1;
	struct wc_agg total, cur;
	wc_agg_init(&total, o->filters, o->skip);
	wc_agg_init(&cur, o->filters, o->skip);
	total.nby = cur.nby = o->nby;
	memcpy(total.by, o->by, sizeof(total.by));
	memcpy(cur.by, o->by, sizeof(cur.by));
	/* Kept on raw addresses until each refresh re-keys them in the total. */
	cur.defer_all = true;
	struct wc_sink st = { .after_batch = NULL };
	wc_decoder_init(&st.dec, &cur);
	bt_graph *graph = NULL;
	bt_value *params = NULL, *inputs = NULL;

	if (strstr(o->url, "/host/"))
		snprintf(session, sizeof(session), "%s", o->url);
	else if (find_session(live, o->url, session, sizeof(session)) < 0)
		goto out;

	graph = bt_graph_create(0);
	params = bt_value_map_create();
	const bt_component_source *src;
	const bt_component_filter *mux;
	const bt_component_sink *sink;
	if (!graph || !params || !live || !muxer ||
	    bt_value_map_insert_empty_array_entry(params, "inputs", &inputs) ||
	    bt_value_array_append_string_element(inputs, session) ||
	    bt_value_map_insert_string_entry(params, "session-not-found-action", "end") ||
	    bt_graph_add_source_component(graph, live, "live", params, BT_LOGGING_LEVEL_NONE, &src) ||
	    bt_graph_add_filter_component(graph, muxer, "muxer", NULL, BT_LOGGING_LEVEL_NONE, &mux) ||
	    bt_graph_add_simple_sink_component(graph, "waitcap", NULL, wc_sink_consume, NULL, &st, &sink) ||
	    bt_graph_connect_ports(graph, bt_component_source_borrow_output_port_by_index_const(src, 0),
				   bt_component_filter_borrow_input_port_by_index_const(mux, 0), NULL) ||
	    bt_graph_connect_ports(graph, bt_component_filter_borrow_output_port_by_index_const(mux, 0),
				   bt_component_sink_borrow_input_port_by_index_const(sink, 0), NULL)) {
		fprintf(stderr, "waitcap analyze: --live %s: cannot read it%s\n", session, cause());
		goto out;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = request_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int64_t next = now_ns();
	bool ended = false;
	while (!stop_requested) {
		bt_graph_run_once_status s = bt_graph_run_once(graph);
		if (s == BT_GRAPH_RUN_ONCE_STATUS_END) {
			ended = true;
			break;
		}
		if (s != BT_GRAPH_RUN_ONCE_STATUS_OK && s != BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
			fprintf(stderr, "waitcap analyze: --live %s: %s%s\n", session,
				st.dec.error[0] ? st.dec.error : "reading failed", cause());
			goto out;
		}
		if (now_ns() >= next) {
			refresh(o, session, &total, &cur, false);
			next = now_ns() + o->interval_ns;
		}
		if (s == BT_GRAPH_RUN_ONCE_STATUS_AGAIN) {
			/* Nothing new yet: the relay is asked again shortly. */
			struct timespec ts = { 0, 100 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	refresh(o, session, &total, &cur, ended);
	rc = 0;
out:
	bt_graph_put_ref(graph);
	bt_value_put_ref(params);
	wc_decoder_free(&st.dec);
	wc_agg_free(&cur);
	wc_agg_free(&total);
	bt_plugin_put_ref(ctf);
	bt_plugin_put_ref(utils);
	return rc;
}

/* Reading traces: a babeltrace2 graph of one src.ctf.fs per trace
 * directory, a utils.muxer that merges them in time order, and an
 * in-process simple sink that hands every message to the decoder. */
#ifndef WC_ANALYZE_READ_H
#define WC_ANALYZE_READ_H

#include <stdbool.h>
#include <stddef.h>

#include "aggregate.h"
#include "discover.h"

/* The two plugins the graph needs, loaded once per reading thread
 * (libbabeltrace2 objects must not be shared between threads). */
struct wc_plugins {
	const void *ctf, *utils;   /* const bt_plugin * */
};

/* 0, or -1 with one line in err (the babeltrace2 package is missing). */
int wc_plugins_load(struct wc_plugins *plugins, char *err, size_t errlen);
void wc_plugins_put(struct wc_plugins *plugins);

/* Read the traces in dirs with one graph into agg.  0 on success; -1 with
 * one line in err (the first trace that could not be read and why).
 * progress: draw the bar on stderr. */
int wc_read_traces(struct wc_agg *agg, char *const *dirs, size_t ndirs,
		   const struct wc_plugins *plugins, bool progress, char *err, size_t errlen);

/* Read all traces, in parallel over up to nthreads threads when there is
 * enough to read: the stream files are spread over the threads, each with
 * its own graph and aggregation, merged at the end (histograms merge
 * exactly).  Same contract as wc_read_traces. */
int wc_read_all(struct wc_agg *agg, const struct wc_trace_list *traces, int nthreads,
		bool progress, char *err, size_t errlen);

#endif

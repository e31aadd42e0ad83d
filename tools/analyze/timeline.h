/* The HTML report's timeline: every wait of every thread on one time axis.
 *
 * Unlike the rest of the analyzer, this keeps one record per wait (only
 * when the HTML format asks for it, at most WC_TIMELINE_MAX): a reviewer
 * wants the sequence, not the sums.  Expired deadlines are not drawn (no
 * thread was blocked). */
#ifndef WC_ANALYZE_TIMELINE_H
#define WC_ANALYZE_TIMELINE_H

#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"
#include "symbolize.h"

#define WC_TIMELINE_MAX 2000000
#define WC_TIMELINE_FRAMES 8

/* One wait as read (agg->timeline). */
struct wc_tl_wait {
	int64_t end_ns, dur_ns;          /* end: the event's time */
	int64_t timeout_ms, cap_ms;
	int64_t pid, tid;
	uint32_t host;                   /* index into the reading agg's hosts */
	uint8_t op, capped, nframes;
	uint64_t frames[WC_TIMELINE_FRAMES]; /* raw, innermost first */
	char peer[48];
};

void wc_timeline_add(struct wc_agg *agg, const struct wc_process *proc, const struct wc_obs *obs,
		     const uint64_t *raw, uint32_t n);
void wc_timeline_absorb(struct wc_agg *dst, struct wc_agg *src);
void wc_timeline_free(struct wc_tl_waits *waits);

/* A thread's waits, ready to draw. */
struct wc_tl_bar {
	int64_t start_ns, dur_ns, timeout_ms, cap_ms;
	int op;
	bool capped;
	const struct wc_sym *where;
	const char *peer;
};

struct wc_tl_thread {
	char label[96];                  /* procname[pid] tid N @host */
	struct wc_tl_bar *bars;          /* by start */
	size_t nbars;
};

struct wc_timeline {
	struct wc_tl_thread *threads;    /* by host, pid, tid */
	size_t nthreads;
	int64_t t0_ns, t1_ns;
	uint64_t dropped;
};

/* NULL when there is nothing to draw or no memory. */
struct wc_timeline *wc_timeline_build(const struct wc_agg *agg, struct wc_symbolizer *sym);
void wc_timeline_destroy(struct wc_timeline *tl);

/* The SVG (inline, no script): one row per thread, a bar per wait where it
 * is at least 3 px wide (more with many threads), else one bar per pixel
 * column summing the waits that fall in it; capped waits orange; <title>
 * hovers.  About 15 000 elements at most, whatever the waits. */
void wc_timeline_svg(const struct wc_timeline *tl, FILE *out);

#endif

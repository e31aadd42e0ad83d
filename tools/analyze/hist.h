/* Log-linear latency histograms: exact below 128 ns, then 128 linear
 * sub-buckets per power of two, so any reported percentile is within
 * 1/256 (0.4 %) of a real sample.  Histograms merge by adding counts, which
 * lets the analyzer aggregate per process first and per call site later.
 * Rows of buckets are allocated only for the magnitudes actually seen. */
#ifndef WC_ANALYZE_HIST_H
#define WC_ANALYZE_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define WC_HIST_SUB_BITS 7
#define WC_HIST_SUB (1 << WC_HIST_SUB_BITS)
#define WC_HIST_ROWS (64 - WC_HIST_SUB_BITS + 1)

struct wc_hist {
	uint64_t count;
	int64_t min_ns, max_ns;
	uint64_t *rows[WC_HIST_ROWS];
};

/* false only when out of memory (the sample is then not counted). */
bool wc_hist_add(struct wc_hist *hist, int64_t ns);
bool wc_hist_merge(struct wc_hist *into, const struct wc_hist *from);

/* The q-quantile (0..1) in ns; 0 for an empty histogram. */
int64_t wc_hist_quantile(const struct wc_hist *hist, double q);

/* How many samples lie in [lo_ns, hi_ns), a bucket that straddles an edge
 * counting above it. */
uint64_t wc_hist_count_range(const struct wc_hist *hist, int64_t lo_ns, int64_t hi_ns);

void wc_hist_free(struct wc_hist *hist);

#endif

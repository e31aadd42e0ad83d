#include "hist.h"

#include <stdlib.h>

static void bucket_of(uint64_t v, int *row, int *sub)
{
	if (v < WC_HIST_SUB) {
		*row = 0;
		*sub = (int)v;
		return;
	}
	int e = 63 - __builtin_clzll(v);           /* >= WC_HIST_SUB_BITS */
	*row = e - WC_HIST_SUB_BITS + 1;
	*sub = (int)((v >> (e - WC_HIST_SUB_BITS)) & (WC_HIST_SUB - 1));
}

/* The middle of a bucket: the value reported for samples in it. */
static int64_t bucket_mid(int row, int sub)
{
	if (row == 0)
		return sub;
	int shift = row - 1;
	uint64_t lo = (uint64_t)(WC_HIST_SUB + sub) << shift;
	return (int64_t)(lo + ((1ULL << shift) >> 1));
}

bool wc_hist_add(struct wc_hist *hist, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	int row, sub;
	bucket_of((uint64_t)ns, &row, &sub);
	if (!hist->rows[row]) {
		hist->rows[row] = calloc(WC_HIST_SUB, sizeof(uint64_t));
		if (!hist->rows[row])
			return false;
	}
	hist->rows[row][sub]++;
	if (!hist->count || ns < hist->min_ns)
		hist->min_ns = ns;
	if (!hist->count || ns > hist->max_ns)
		hist->max_ns = ns;
	hist->count++;
	return true;
}

bool wc_hist_merge(struct wc_hist *into, const struct wc_hist *from)
{
	if (!from->count)
		return true;
	for (int r = 0; r < WC_HIST_ROWS; r++) {
		if (!from->rows[r])
			continue;
		if (!into->rows[r]) {
			into->rows[r] = calloc(WC_HIST_SUB, sizeof(uint64_t));
			if (!into->rows[r])
				return false;
		}
		for (int s = 0; s < WC_HIST_SUB; s++)
			into->rows[r][s] += from->rows[r][s];
	}
	if (!into->count || from->min_ns < into->min_ns)
		into->min_ns = from->min_ns;
	if (!into->count || from->max_ns > into->max_ns)
		into->max_ns = from->max_ns;
	into->count += from->count;
	return true;
}

int64_t wc_hist_quantile(const struct wc_hist *hist, double q)
{
	if (!hist->count)
		return 0;
	if (q <= 0)
		return hist->min_ns;
	if (q >= 1)
		return hist->max_ns;
	/* The rank-th smallest sample, rank = ceil(q * count) (nearest rank). */
	uint64_t rank = (uint64_t)(q * (double)hist->count);
	if ((double)rank < q * (double)hist->count)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (int r = 0; r < WC_HIST_ROWS; r++) {
		if (!hist->rows[r])
			continue;
		for (int s = 0; s < WC_HIST_SUB; s++) {
			seen += hist->rows[r][s];
			if (seen >= rank) {
				int64_t v = bucket_mid(r, s);
				if (v < hist->min_ns)
					v = hist->min_ns;
				if (v > hist->max_ns)
					v = hist->max_ns;
				return v;
			}
		}
	}
	return hist->max_ns;
}

/* The largest value a bucket holds. */
static int64_t bucket_last(int row, int sub)
{
	if (row == 0)
		return sub;
	int shift = row - 1;
	return (int64_t)(((uint64_t)(WC_HIST_SUB + sub + 1) << shift) - 1);
}

uint64_t wc_hist_count_range(const struct wc_hist *hist, int64_t lo_ns, int64_t hi_ns)
{
	/* A bucket straddling an edge counts above it: waits overshoot their
	 * timeout, so a "200 ms" wait of 200.2 ms belongs with >= 200 ms. */
	uint64_t n = 0;
	for (int r = 0; r < WC_HIST_ROWS; r++) {
		if (!hist->rows[r])
			continue;
		for (int s = 0; s < WC_HIST_SUB; s++) {
			int64_t v = bucket_last(r, s);
			if (v > hist->max_ns)
				v = hist->max_ns;
			if (v >= lo_ns && v < hi_ns)
				n += hist->rows[r][s];
		}
	}
	return n;
}

void wc_hist_free(struct wc_hist *hist)
{
	for (int r = 0; r < WC_HIST_ROWS; r++)
		free(hist->rows[r]);
}

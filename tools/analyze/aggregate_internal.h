/* Shared by aggregate.c (while reading) and merge.c (after reading). */
#ifndef WC_ANALYZE_AGGREGATE_INTERNAL_H
#define WC_ANALYZE_AGGREGATE_INTERNAL_H

#include "aggregate.h"

#define MAX_FRAMES 128

/* Waits kept on raw addresses, per process: their binary map was not
 * complete when they were read. */
struct wc_pending {
	int op;
	char procname[32];
	uint32_t n;
	struct wc_cell cell;
	uint64_t raw[];
};

/* Map raw addresses through a process's binaries; false if some address is
 * in no known binary (it is then kept as binary 0, offset = address). */
bool wc_agg_resolve(const struct wc_procmap *map, const uint64_t *raw, uint32_t n,
		    struct wc_frame *out);

/* Account resolved frames: the call site row and the folded stack.  Either
 * a whole cell (merging) or one observation. */
void wc_agg_add_resolved(struct wc_agg *agg, const char *procname, int op,
			 const struct wc_frame *f, uint32_t n, const struct wc_cell *cell,
			 const struct wc_obs *obs);

#endif

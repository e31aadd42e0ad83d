/* Views (--by): the same waits grouped by something other than the call
 * site — the peer they waited on, the profile rule that capped them, the
 * process, host or thread — on one or two levels (--by host,peer).
 *
 * Grouping happens while reading, on strings the events carry, so memory
 * grows with distinct keys, never with events.  The call site alone is
 * the default view (model.c); as a level of a view it is keyed on where
 * the wait came from while reading and named after symbolization. */
#ifndef WC_ANALYZE_GROUPS_H
#define WC_ANALYZE_GROUPS_H

#include <stddef.h>

#include "aggregate.h"

enum wc_dim { WC_BY_CALLSITE, WC_BY_PEER, WC_BY_RULE, WC_BY_PROCESS, WC_BY_HOST,
	      WC_BY_THREAD, WC_BY_COUNT };

#define WC_BY_MAX 2

const char *wc_by_name(int dim);

/* "peer", "host,peer", "host,callsite": into by[] / *nby.  "callsite" alone
 * gives nby 0 (the call site report).  0, or -1 with one line in err. */
int wc_by_parse(const char *spec, int by[WC_BY_MAX], int *nby, char *err, size_t errlen);

/* One wait or expiry into its group (agg->nby > 0). */
void wc_groups_add(struct wc_agg *agg, const struct wc_process *proc, const char *procname,
		   const struct wc_obs *obs, const uint64_t *raw, uint32_t nraw);

/* Move src's groups into dst (parallel readers). */
void wc_groups_absorb(struct wc_agg *dst, struct wc_agg *src);

void wc_groups_free(struct wc_agg *agg);

#endif

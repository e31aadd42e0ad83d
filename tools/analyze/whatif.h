/* What-if: what caps would have saved and broken, from the waitcap:phase
 * events of a trace (whatif.c).  A phase that ended in failure (error,
 * the program's own timeout, a cap, a close while waiting) after longer
 * than the cap would have been cut at the cap: saved = its duration minus
 * the cap.  A phase that completed after longer than the cap would have
 * been broken.  Per call site (the connect or send that started the phase)
 * and per destination. */
#ifndef WC_ANALYZE_WHATIF_H
#define WC_ANALYZE_WHATIF_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"
#include "symbolize.h"
#include "whatif_caps.h"

struct wc_whatif_spec {
	enum { WC_WHATIF_NONE, WC_WHATIF_CAPS, WC_WHATIF_PROFILE, WC_WHATIF_OBSERVED } kind;
	int64_t caps_ms[WC_WHATIF_OPS];  /* CAPS; PROFILE: the profile's own */
	void *profile;                   /* PROFILE (whatif_caps.h) */
	char source[512];                /* what the caps are, for people */
};

struct wc_whatif_row {
	int op;
	const struct wc_sym *where;      /* call-site rows */
	const char *peer, *rule;         /* destination rows */
	struct wc_frame frame;
	uint64_t phases;                 /* phases with a cap for their op */
	uint64_t cut, broken;
	double saved_ms, broken_max_ms;  /* the longest broken phase */
	int64_t cap_ms;                  /* the cap applied (largest, if several) */
};

struct wc_whatif {
	const char *source;
	int64_t caps_ms[WC_WHATIF_OPS];  /* -1 none; OBSERVED: the largest seen */
	uint64_t phases, cut, broken;
	double saved_ms;
	struct wc_whatif_row *sites, *dests;
	size_t nsites, ndests;
};

/* NULL when spec says none, or (OBSERVED) the trace has no observe-mode
 * phases. */
struct wc_whatif *wc_whatif_build(const struct wc_agg *agg, struct wc_symbolizer *sym,
				  const struct wc_whatif_spec *spec);
void wc_whatif_free(struct wc_whatif *w);

/* The section of each format. */
void wc_whatif_text(const struct wc_whatif *w, FILE *out, bool markdown);
void wc_whatif_html(const struct wc_whatif *w, FILE *out);
cJSON *wc_whatif_json(const struct wc_whatif *w);

#endif

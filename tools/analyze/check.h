/* --fail-if thresholds for CI: `[OP.]METRIC CMP VALUE`, e.g.
 * connect.p95>5s, connect.timeout_rate>3%, total>10s, recv.count>100. */
#ifndef WC_ANALYZE_CHECK_H
#define WC_ANALYZE_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

struct wc_check {
	char text[128];    /* as written */
	int op;            /* -1: all waits */
	const struct wc_column *column;  /* NULL: lost_events */
	int cmp;
	double threshold;  /* in the column's unit: ms, fraction or count */
};

/* 0, or -1 with one line in err saying what is wrong and what is allowed. */
int wc_check_parse(const char *expr, struct wc_check *check, char *err, size_t errlen);

/* true when the threshold is breached; *actual gets the measured value and
 * unit its unit ("ms", "%", ""), for the message. */
bool wc_check_breached(const struct wc_check *check, const struct wc_report *r,
		       double *actual, const char **unit);

/* With a view (--by), a threshold without OP (other than lost_events) is
 * checked against every group, at both levels, instead of all waits. */
bool wc_check_per_group(const struct wc_check *check);
bool wc_check_breached_group(const struct wc_check *check, const struct wc_report *r,
			     const struct wc_group_row *group, double *actual, const char **unit);

/* The accepted expressions and metrics (from the columns), for --help. */
const char *wc_check_help(void);

#endif

#include "check.h"

#include "duration.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { DURATION, RATE, COUNT };
enum metric { M_COUNT, M_TOTAL, M_AVG, M_P95, M_TIMEOUT_RATE, M_CAPPED, M_AVOIDED, M_LOST };
enum cmp { GT, GE, LT, LE, EQ };

static const struct { const char *name; enum kind kind; bool per_op; bool global; } metrics[] = {
	[M_COUNT] = { "count", COUNT, true, true },
	[M_TOTAL] = { "total", DURATION, true, true },
	[M_AVG] = { "avg", DURATION, true, true },
	[M_P95] = { "p95", DURATION, true, true },
	[M_TIMEOUT_RATE] = { "timeout_rate", RATE, true, true },
	[M_CAPPED] = { "capped", COUNT, true, true },
	[M_AVOIDED] = { "avoided", DURATION, false, true },
	[M_LOST] = { "lost_events", COUNT, false, true },
};
#define NMETRICS (sizeof(metrics) / sizeof(*metrics))

const char wc_check_help[] =
	"  EXPR is [OP.]METRIC CMP VALUE, CMP one of > >= < <= ==\n"
	"    OP:     connect accept recv send poll select epoll (omit for all waits)\n"
	"    METRIC: count, capped (numbers); total, avg, p95 (durations: 250ms, 5s, 1.5m;\n"
	"            units " WC_DURATION_UNITS ");\n"
	"            timeout_rate (3% or 0.03: (capped + app timeouts) / (count + expired));\n"
	"            avoided, lost_events (all waits only)\n"
	"    with --by, an EXPR without OP is checked per group (both levels)\n"
	"    e.g. --fail-if 'connect.p95>5s' --fail-if 'connect.timeout_rate>3%' --fail-if 'total>10s'\n";

static int parse_value(const char *s, enum kind kind, double *out)
{
	if (kind == DURATION) {
		int64_t ns;
		if (wc_parse_duration_ns(s, &ns) < 0)
			return -1;
		*out = (double)ns / 1e6;
		return 0;
	}
	/* Counts and rates are plain numbers: no nan, inf or sign. */
	char *end;
	double v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -1;
	if (kind == COUNT)
		return *end ? -1 : (*out = v, 0);
	if (strcmp(end, "%") == 0)
		v /= 100;
	else if (*end)
		return -1;
	*out = v;
	return 0;
}

int wc_check_parse(const char *expr, struct wc_check *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->text, sizeof(c->text), "%s", expr);
	const char *op_at = strpbrk(expr, "<>=");
	if (!op_at || op_at == expr) {
		snprintf(err, errlen, "--fail-if '%s': expected [OP.]METRIC CMP VALUE, e.g. 'connect.p95>5s'", expr);
		return -1;
	}
	char left[64];
	size_t llen = (size_t)(op_at - expr);
	if (llen >= sizeof(left)) {
		snprintf(err, errlen, "--fail-if '%s': metric name too long", expr);
		return -1;
	}
	memcpy(left, expr, llen);
	left[llen] = 0;
	const char *rest = op_at;
	if (strncmp(rest, ">=", 2) == 0) c->cmp = GE, rest += 2;
	else if (strncmp(rest, "<=", 2) == 0) c->cmp = LE, rest += 2;
	else if (strncmp(rest, "==", 2) == 0) c->cmp = EQ, rest += 2;
	else if (*rest == '>') c->cmp = GT, rest += 1;
	else if (*rest == '<') c->cmp = LT, rest += 1;
	else {
		snprintf(err, errlen, "--fail-if '%s': comparison must be one of > >= < <= ==", expr);
		return -1;
	}
	char *dot = strchr(left, '.');
	const char *metric = left;
	c->op = -1;
	if (dot) {
		*dot = 0;
		metric = dot + 1;
		c->op = wc_analyze_op_parse(left);
		if (c->op == WC_OP_OTHER) {
			snprintf(err, errlen, "--fail-if '%s': unknown op '%s' (connect accept recv "
				 "send poll select epoll)", expr, left);
			return -1;
		}
	}
	c->metric = -1;
	for (size_t i = 0; i < NMETRICS; i++)
		if (strcmp(metric, metrics[i].name) == 0 &&
		    (c->op < 0 ? metrics[i].global : metrics[i].per_op))
			c->metric = (int)i;
	if (c->metric < 0) {
		snprintf(err, errlen, "--fail-if '%s': unknown metric '%s'%s (count total avg p95 "
			 "timeout_rate capped; avoided lost_events without an op)", expr, metric,
			 c->op >= 0 ? " for an op" : "");
		return -1;
	}
	if (parse_value(rest, metrics[c->metric].kind, &c->threshold) < 0) {
		static const char *const need[] = { "a duration with a unit (" WC_DURATION_UNITS
						    "), e.g. 5s or 250ms",
						    "a rate, e.g. 3% or 0.03", "a number" };
		snprintf(err, errlen, "--fail-if '%s': '%s' is not %s", expr, rest,
			 need[metrics[c->metric].kind]);
		return -1;
	}
	return 0;
}

static double measure(const struct wc_check *c, const struct wc_report *r)
{
	if (c->op < 0) {
		uint64_t capped = 0, timeouts = 0;
		for (size_t i = 0; i < r->nrows; i++) {
			capped += r->rows[i].capped;
			timeouts += r->rows[i].app_timeouts;
		}
		switch (c->metric) {
		case M_COUNT: return (double)r->count;
		case M_TOTAL: return r->total_ms;
		case M_AVG: return r->count ? r->total_ms / (double)r->count : 0;
		case M_P95: return (double)wc_hist_quantile(r->latency, 0.95) / 1e6;
		case M_TIMEOUT_RATE: return r->count + r->expired ?
			(double)(capped + timeouts) / (double)(r->count + r->expired) : 0;
		case M_CAPPED: return (double)capped;
		case M_AVOIDED: return r->avoided_ms;
		case M_LOST: return (double)r->lost_events;
		}
		return 0;
	}
	const struct wc_op_row *o = NULL;
	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].op == c->op)
			o = &r->ops[i];
	if (!o)
		return 0;
	switch (c->metric) {
	case M_COUNT: return (double)o->count;
	case M_TOTAL: return o->total_ms;
	case M_AVG: return o->avg_ms;
	case M_P95: return o->p95_ms;
	case M_TIMEOUT_RATE: return o->timeout_rate;
	case M_CAPPED: {
		uint64_t capped = 0;
		for (size_t i = 0; i < r->nrows; i++)
			if (r->rows[i].op == c->op)
				capped += r->rows[i].capped;
		return (double)capped;
	}
	}
	return 0;
}

static bool compare(const struct wc_check *c, double v, double *actual, const char **unit)
{
	enum kind kind = metrics[c->metric].kind;
	*actual = kind == RATE ? v * 100 : v;
	*unit = kind == DURATION ? "ms" : kind == RATE ? "%" : "";
	switch (c->cmp) {
	case GT: return v > c->threshold;
	case GE: return v >= c->threshold;
	case LT: return v < c->threshold;
	case LE: return v <= c->threshold;
	case EQ: return v == c->threshold;
	}
	return false;
}

bool wc_check_breached(const struct wc_check *c, const struct wc_report *r,
		       double *actual, const char **unit)
{
	return compare(c, measure(c, r), actual, unit);
}

bool wc_check_per_group(const struct wc_check *c)
{
	return c->op < 0 && c->metric != M_LOST;
}

bool wc_check_breached_group(const struct wc_check *c, const struct wc_group_row *g,
			     double *actual, const char **unit)
{
	double v = 0;
	switch (c->metric) {
	case M_COUNT: v = (double)g->count; break;
	case M_TOTAL: v = g->total_ms; break;
	case M_AVG: v = g->count ? g->total_ms / (double)g->count : 0; break;
	case M_P95: v = g->p95_ms; break;
	case M_TIMEOUT_RATE:
		v = g->count + g->expired ?
			(double)(g->capped + g->app_timeouts) / (double)(g->count + g->expired) : 0;
		break;
	case M_CAPPED: v = (double)g->capped; break;
	case M_AVOIDED: v = g->avoided_ms; break;
	}
	return compare(c, v, actual, unit);
}

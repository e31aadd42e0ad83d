#include "check.h"

#include "duration.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum cmp { GT, GE, LT, LE, EQ };

/* The metrics are the columns with a --fail-if name (columns.c), and
 * lost_events, a count of the whole trace. */
#define LOST_EVENTS "lost_events"

/* "count total ...": the metrics checkable per op, or only on all waits
 * (then with lost_events). */
static const char *metrics(bool per_op, char *buf, size_t len)
{
	size_t at = 0;
	buf[0] = 0;
	for (size_t i = 0; i < wc_ncolumns && at < len; i++) {
		const struct wc_column *col = &wc_columns[i];
		if (col->metric && (per_op ? (col->check & WC_CHECK_OP) :
				    !(col->check & WC_CHECK_OP) && (col->check & WC_CHECK_ALL)))
			at += (size_t)snprintf(buf + at, len - at, "%s ", col->metric);
	}
	if (!per_op && at < len)
		snprintf(buf + at, len - at, "%s", LOST_EVENTS);
	else if (at)
		buf[at - 1] = 0;
	return buf;
}

const char *wc_check_help(void)
{
	static char text[1024];
	char per_op[256], all[256], ops[WC_OP_LIST_MAX];
	snprintf(text, sizeof(text),
		 "  EXPR is [OP.]METRIC CMP VALUE, CMP one of > >= < <= ==\n"
		 "    OP:     %s (omit for all waits)\n"
		 "    METRIC: %s;\n"
		 "            %s (all waits only)\n"
		 "    VALUE:  a number for counts; a duration for times (250ms, 5s, 1.5m;\n"
		 "            units " WC_DURATION_UNITS "); 3%% or 0.03 for rates\n"
		 "    with --by, an EXPR without OP is checked per group (both levels)\n"
		 "    e.g. --fail-if 'connect.p95>5s' --fail-if 'connect.timeout_rate>3%%' "
		 "--fail-if 'total>10s'\n",
		 wc_op_list(ops, sizeof ops, WC_OP_COUNT), metrics(true, per_op, sizeof(per_op)),
		 metrics(false, all, sizeof(all)));
	return text;
}

static int parse_value(const char *s, enum wc_unit unit, double *out)
{
	if (unit == WC_UNIT_MS) {
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
	if (unit == WC_UNIT_COUNT)
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
			char ops[WC_OP_LIST_MAX];
			snprintf(err, errlen, "--fail-if '%s': unknown op '%s' (%s)", expr, left,
				 wc_op_list(ops, sizeof ops, WC_OP_COUNT));
			return -1;
		}
	}
	bool lost = c->op < 0 && strcmp(metric, LOST_EVENTS) == 0;
	c->column = lost ? NULL : wc_column_by_metric(metric, c->op < 0 ? WC_CHECK_ALL : WC_CHECK_OP);
	if (!lost && !c->column) {
		char all[256], per_op[256];
		snprintf(err, errlen, "--fail-if '%s': unknown metric '%s'%s (%s; %s without an op)",
			 expr, metric, c->op >= 0 ? " for an op" : "", metrics(true, per_op, sizeof(per_op)),
			 metrics(false, all, sizeof(all)));
		return -1;
	}
	enum wc_unit unit = c->column ? c->column->unit : WC_UNIT_COUNT;
	if (parse_value(rest, unit, &c->threshold) < 0) {
		static const char *const need[] = {
			[WC_UNIT_MS] = "a duration with a unit (" WC_DURATION_UNITS "), e.g. 5s or 250ms",
			[WC_UNIT_RATE] = "a rate, e.g. 3% or 0.03",
			[WC_UNIT_COUNT] = "a number",
		};
		snprintf(err, errlen, "--fail-if '%s': '%s' is not %s", expr, rest, need[unit]);
		return -1;
	}
	return 0;
}

static bool compare(const struct wc_check *c, double v, double *actual, const char **unit)
{
	enum wc_unit u = c->column ? c->column->unit : WC_UNIT_COUNT;
	*actual = u == WC_UNIT_RATE ? v * 100 : v;
	*unit = u == WC_UNIT_MS ? "ms" : u == WC_UNIT_RATE ? "%" : "";
	if (isnan(v))
		return false; /* nothing measured: no threshold can be breached */
	switch (c->cmp) {
	case GT: return v > c->threshold;
	case GE: return v >= c->threshold;
	case LT: return v < c->threshold;
	case LE: return v <= c->threshold;
	case EQ: return v == c->threshold;
	}
	return false;
}

static double measure_cell(const struct wc_check *c, const struct wc_report *r,
			   const struct wc_cell *cell)
{
	struct wc_scope s = wc_report_scope(r, cell);
	return wc_column_value(c->column, &s);
}

bool wc_check_breached(const struct wc_check *c, const struct wc_report *r,
		       double *actual, const char **unit)
{
	if (!c->column)
		return compare(c, (double)r->lost_events, actual, unit);
	if (c->op < 0)
		return compare(c, measure_cell(c, r, r->all), actual, unit);
	for (size_t i = 0; i < r->nops; i++)
		if (r->ops[i].op == c->op)
			return compare(c, measure_cell(c, r, r->ops[i].cell), actual, unit);
	/* The op never waited: every column of it is that of an empty cell. */
	struct wc_cell empty = { 0 };
	return compare(c, measure_cell(c, r, &empty), actual, unit);
}

bool wc_check_per_group(const struct wc_check *c)
{
	return c->op < 0 && c->column;
}

bool wc_check_breached_group(const struct wc_check *c, const struct wc_report *r,
			     const struct wc_group_row *g, double *actual, const char **unit)
{
	return compare(c, measure_cell(c, r, &g->cell), actual, unit);
}

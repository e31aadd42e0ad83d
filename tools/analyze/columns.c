/* Every column of the report, once.  The order here is the order of the
 * columns in every format. */
#include "columns.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double count(const struct wc_scope *s) { return (double)s->cell->count; }
static double total(const struct wc_scope *s) { return ms(s->cell->total_ns); }
static double share(const struct wc_scope *s)
{
	return s->all_ns ? (double)s->cell->total_ns / (double)s->all_ns : 0;
}
static double avg(const struct wc_scope *s)
{
	return s->cell->count ? ms(s->cell->total_ns) / (double)s->cell->count : 0;
}
static double p50(const struct wc_scope *s) { return ms(wc_hist_quantile(&s->cell->hist, 0.50)); }
static double p95(const struct wc_scope *s) { return ms(wc_hist_quantile(&s->cell->hist, 0.95)); }
static double max(const struct wc_scope *s) { return ms(s->cell->hist.max_ns); }
static double capped(const struct wc_scope *s) { return (double)s->cell->capped; }
static double app_timeouts(const struct wc_scope *s) { return (double)s->cell->app_timeouts; }
static double errors(const struct wc_scope *s) { return (double)s->cell->errors; }
static double expired(const struct wc_scope *s) { return (double)s->cell->expired; }
static double expired_max(const struct wc_scope *s) { return ms(s->cell->expired_max_ns); }
static double unbounded(const struct wc_scope *s) { return (double)s->cell->unbounded; }
static double requested(const struct wc_scope *s) { return ms(s->cell->requested_ns); }
static double avoided(const struct wc_scope *s) { return ms(s->cell->avoided_ns); }

/* Expired deadlines are outcomes too, so the rate covers both. */
static double timeout_rate(const struct wc_scope *s)
{
	const struct wc_cell *c = s->cell;
	return c->count + c->expired ?
		(double)(c->capped + c->app_timeouts) / (double)(c->count + c->expired) : 0;
}

static double cap(const struct wc_scope *s)
{
	return s->cell->cap_ms > 0 ? (double)s->cell->cap_ms : NAN;
}

/* What the capped waits asked for; "none" when they all asked for no
 * timeout, "-" when nothing was capped. */
static const char *asked_text(const struct wc_scope *s, char buf[32])
{
	if (s->cell->requested_ns > 0)
		return wc_fmt_ms(ms(s->cell->requested_ns), buf);
	return strcpy(buf, s->cell->unbounded ? "none" : "-");
}

/* The program's own timeout of a wait (-1: it asked for none); a cell
 * keeps the longest. */
static int64_t asked_timeout(const struct wc_obs *obs) { return obs->timeout_ms; }

static double max_asked(const struct wc_scope *s)
{
	int64_t ms = wc_cell_kept(s->cell, asked_timeout);
	return ms < 0 ? NAN : (double)ms;
}

static const char *max_asked_text(const struct wc_scope *s, char buf[32])
{
	double ms = max_asked(s);
	return isnan(ms) ? strcpy(buf, "none") : wc_fmt_ms(ms, buf);
}

#define SITE WC_AT_SITE
#define GROUP WC_AT_GROUP
#define OP WC_AT_OP
#define ALL (WC_AT_SITE | WC_AT_GROUP | WC_AT_OP)

const struct wc_column wc_columns[] = {
	{ .title = "count",
	  .doc = "waits: calls in which a thread blocked", .key = "count", .metric = "count", .unit = WC_UNIT_COUNT,
	  .value = count, .human = ALL, .in_json = ALL, .check = WC_CHECK_ALL | WC_CHECK_OP,
	  .baseline = true, .delta = true, .width = 8 },
	{ .title = "total",
	  .doc = "time those waits blocked their threads", .key = "total_ms", .metric = "total", .unit = WC_UNIT_MS,
	  .value = total, .human = ALL, .in_json = ALL, .check = WC_CHECK_ALL | WC_CHECK_OP,
	  .baseline = true, .delta = true, .diff_shown = true, .width = 9 },
	{ .title = "share",
	  .doc = "of all blocked time in the report", .key = "share", .unit = WC_UNIT_RATE, .value = share,
	  .human = SITE | GROUP, .in_json = SITE | GROUP, .width = 6, .drop_order = 4 },
	{ .title = "avg",
	  .doc = "total / count", .key = "avg_ms", .metric = "avg", .unit = WC_UNIT_MS, .value = avg,
	  .human = OP, .in_json = OP, .check = WC_CHECK_ALL | WC_CHECK_OP, .width = 9 },
	{ .title = "p50",
	  .doc = "median duration of the waits (within 0.4 %)", .key = "p50_ms", .unit = WC_UNIT_MS, .value = p50,
	  .human = SITE | GROUP, .in_json = SITE | GROUP, .width = 9, .drop_order = 2 },
	{ .title = "p95",
	  .doc = "95th percentile of their durations (within 0.4 %)", .key = "p95_ms", .metric = "p95", .unit = WC_UNIT_MS, .value = p95,
	  .human = ALL, .in_json = ALL, .check = WC_CHECK_ALL | WC_CHECK_OP, .baseline = true,
	  .delta = true, .width = 9, .drop_order = 6 },
	{ .title = "max",
	  .doc = "the longest wait", .key = "max_ms", .unit = WC_UNIT_MS, .value = max,
	  .human = SITE | GROUP, .in_json = SITE | GROUP, .width = 9, .drop_order = 3 },
	{ .title = "capped",
	  .doc = "caps that fired: capped waits + expired deadlines", .key = "capped", .metric = "capped", .unit = WC_UNIT_COUNT,
	  .value = capped, .human = SITE | GROUP, .in_json = SITE | GROUP,
	  .check = WC_CHECK_ALL | WC_CHECK_OP, .baseline = true, .width = 7, .drop_order = 5 },
	{ .title = "app timeouts",
	  .doc = "waits ended by the program's own timeout", .key = "app_timeouts", .unit = WC_UNIT_COUNT,
	  .value = app_timeouts, .in_json = SITE | GROUP },
	{ .title = "errors",
	  .doc = "waits that ended on an error", .key = "errors", .unit = WC_UNIT_COUNT, .value = errors,
	  .in_json = SITE | GROUP },
	{ .title = "expired",
	  .doc = "socket deadlines that fired while no call waited (event loops): not waits, not in count, total or percentiles", .key = "expired", .unit = WC_UNIT_COUNT, .value = expired,
	  .human = ALL, .in_json = ALL, .width = 7, .drop_order = 3 },
	{ .title = "expired max",
	  .doc = "the longest a connection waited for a deadline that expired", .key = "expired_max_ms", .unit = WC_UNIT_MS,
	  .value = expired_max, .in_json = SITE },
	{ .title = "timeout rate",
	  .doc = "(capped + app timeouts) / (count + expired)", .key = "timeout_rate", .metric = "timeout_rate",
	  .unit = WC_UNIT_RATE, .value = timeout_rate, .human = OP, .in_json = OP,
	  .check = WC_CHECK_ALL | WC_CHECK_OP, .width = 12 },
	{ .title = "cap",
	  .doc = "the largest cap that ended a wait here", .key = "cap_ms", .unit = WC_UNIT_MS, .value = cap,
	  .human = SITE, .in_json = SITE, .width = 7, .drop_order = 2 },
	{ .title = "asked",
	  .doc = "what the capped waits with a timeout of their own asked for in all (none: they asked for none)", .key = "requested_ms", .unit = WC_UNIT_MS, .value = requested,
	  .text = asked_text, .human = SITE, .in_json = SITE, .width = 9, .drop_order = 1 },
	{ .title = "max asked",
	  .doc = "the longest timeout of its own a wait here asked for (none: no wait asked)", .key = "max_asked_ms", .metric = "max_asked", .unit = WC_UNIT_MS,
	  .value = max_asked, .text = max_asked_text, .keep = asked_timeout,
	  .human = SITE | GROUP, .in_json = SITE | GROUP, .check = WC_CHECK_ALL | WC_CHECK_OP,
	  .baseline = true, .width = 9, .drop_order = 1 },
	{ .title = "avoided",
	  .doc = "for capped waits, what they asked for minus what they waited", .key = "avoided_ms", .metric = "avoided", .unit = WC_UNIT_MS,
	  .value = avoided, .human = SITE | GROUP, .in_json = SITE | GROUP,
	  .check = WC_CHECK_ALL, .baseline = true, .width = 9, .drop_order = 1 },
	{ .title = "unbounded",
	  .doc = "capped waits and expired deadlines that asked for no timeout at all", .key = "unbounded", .unit = WC_UNIT_COUNT, .value = unbounded,
	  .in_json = SITE },
};

const size_t wc_ncolumns = sizeof(wc_columns) / sizeof(*wc_columns);

_Static_assert(sizeof(wc_columns) / sizeof(*wc_columns) <= WC_COLUMNS_MAX,
	       "raise WC_COLUMNS_MAX");

double wc_column_value(const struct wc_column *col, const struct wc_scope *s)
{
	return col->value(s);
}

const char *wc_column_format(const struct wc_column *col, double v, char buf[32])
{
	if (isnan(v))
		return strcpy(buf, "-");
	switch (col->unit) {
	case WC_UNIT_MS:
		return wc_fmt_ms(v, buf);
	case WC_UNIT_RATE:
		snprintf(buf, 32, "%.1f%%", v * 100);
		return buf;
	case WC_UNIT_COUNT:
		break;
	}
	snprintf(buf, 32, "%.0f", v);
	return buf;
}

const char *wc_column_text(const struct wc_column *col, const struct wc_scope *s, char buf[32])
{
	if (col->text)
		return col->text(s, buf);
	return wc_column_format(col, col->value(s), buf);
}

double wc_column_json_value(const struct wc_column *col, double v)
{
	if (isnan(v))
		return v;
	if (col->unit == WC_UNIT_RATE)
		return round(v * 1e4) / 1e4;
	return round(v * 1000.0) / 1000.0;
}

/* The columns with a keep(), found once: wc_columns_keep runs for every
 * wait, and scanning the whole table there cost 1.2 % of a read. */
static const struct wc_column *keepers[WC_KEPT_SLOTS];
static int nkeepers;
static pthread_once_t keepers_once = PTHREAD_ONCE_INIT;

static void find_keepers(void)
{
	for (size_t i = 0; i < wc_ncolumns && nkeepers < WC_KEPT_SLOTS; i++)
		if (wc_columns[i].keep)
			keepers[nkeepers++] = &wc_columns[i];
}

/* Slots hold the value plus one: a cell starts zeroed, meaning "nothing".
 * A column's slot is its place among the columns that keep a number. */
int64_t wc_cell_kept(const struct wc_cell *cell, int64_t (*keep)(const struct wc_obs *obs))
{
	pthread_once(&keepers_once, find_keepers);
	for (int slot = 0; slot < nkeepers; slot++)
		if (keepers[slot]->keep == keep)
			return cell->kept[slot] - 1;
	return -1;
}

void wc_columns_keep(struct wc_cell *cell, const struct wc_obs *obs)
{
	pthread_once(&keepers_once, find_keepers);
	for (int slot = 0; slot < nkeepers; slot++) {
		int64_t v = keepers[slot]->keep(obs);
		if (v >= 0 && v + 1 > cell->kept[slot])
			cell->kept[slot] = v + 1;
	}
}

void wc_columns_merge(struct wc_cell *into, const struct wc_cell *from)
{
	for (int slot = 0; slot < WC_KEPT_SLOTS; slot++)
		if (from->kept[slot] > into->kept[slot])
			into->kept[slot] = from->kept[slot];
}

const struct wc_column *wc_column_by_metric(const char *name, unsigned check)
{
	for (size_t i = 0; i < wc_ncolumns; i++)
		if (wc_columns[i].metric && (wc_columns[i].check & check) &&
		    strcmp(wc_columns[i].metric, name) == 0)
			return &wc_columns[i];
	return NULL;
}

/* The terminal drops before and delta first when it is narrow. */
#define BEFORE_DROP 7
#define DELTA_DROP 8

size_t wc_columns_shown(unsigned at, bool baseline, struct wc_shown *out)
{
	size_t n = 0;
	for (size_t i = 0; i < wc_ncolumns; i++) {
		const struct wc_column *c = &wc_columns[i];
		if (!(c->human & at))
			continue;
		out[n++] = (struct wc_shown){ c, WC_SHOW_VALUE, c->title, c->width, c->drop_order };
		if (baseline && c->diff_shown) {
			out[n++] = (struct wc_shown){ c, WC_SHOW_BEFORE, "before", c->width, BEFORE_DROP };
			out[n++] = (struct wc_shown){ c, WC_SHOW_DELTA, "delta", c->width + 1, DELTA_DROP };
		}
	}
	return n;
}

const char *wc_shown_text(const struct wc_shown *sh, const struct wc_scope *s,
			  const struct wc_before *before, char buf[32])
{
	const struct wc_column *c = sh->col;
	switch (sh->show) {
	case WC_SHOW_VALUE:
		break;
	case WC_SHOW_BEFORE:
		if (!before)
			return strcpy(buf, "-");
		return wc_column_format(c, before->value[c - wc_columns], buf);
	case WC_SHOW_DELTA: {
		if (!before)
			return strcpy(buf, "new");
		double d = wc_column_value(c, s) - before->value[c - wc_columns];
		char abs[32];
		snprintf(buf, 32, "%s%s", d < 0 ? "-" : "+", wc_column_format(c, d < 0 ? -d : d, abs));
		return buf;
	}
	}
	return wc_column_text(c, s, buf);
}

void wc_shown_heads(const struct wc_shown *sh, size_t n, void (*put)(FILE *out, const char *text),
		    FILE *out)
{
	for (size_t c = 0; c < n; c++)
		put(out, sh[c].title);
}

void wc_shown_row(const struct wc_shown *sh, size_t n, const struct wc_scope *s,
		  const struct wc_before *before, void (*put)(FILE *out, const char *text), FILE *out)
{
	for (size_t c = 0; c < n; c++) {
		char text[32];
		put(out, wc_shown_text(&sh[c], s, before, text));
	}
}

void wc_columns_help(FILE *out)
{
	for (size_t i = 0; i < wc_ncolumns; i++) {
		const struct wc_column *c = &wc_columns[i];
		char text[512];
		snprintf(text, sizeof(text), "%s%s%s%s", c->doc, !c->human ? " (json only: " : "",
			 !c->human ? c->key : c->human == WC_AT_OP ? " (per op)" : "",
			 !c->human ? ")" : "");
		/* Words wrapped at 80 columns, under the text's first column. */
		int col = fprintf(out, "  %-13s", c->title);
		for (char *word = strtok(text, " "); word; word = strtok(NULL, " ")) {
			int len = (int)strlen(word);
			if (col + 1 + len > 79) {
				fprintf(out, "\n%16s", "");
				col = 16;
			} else {
				fputc(' ', out);
				col++;
			}
			col += fprintf(out, "%s", word);
		}
		fputc('\n', out);
	}
}

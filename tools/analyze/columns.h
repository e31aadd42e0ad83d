/* The report's columns, declared once: what each is called, how it is
 * computed from a cell (a call site's, a group's, an op's or all waits'),
 * its unit and how people read it, where it is shown, and what --baseline
 * and --fail-if do with it.  The table, markdown, html and json formats,
 * the baseline reader and the threshold checks iterate over wc_columns[];
 * a new column is one entry in columns.c (docs/analyzer.md, Columns, says
 * what it means). */
#ifndef WC_ANALYZE_COLUMNS_H
#define WC_ANALYZE_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"

enum wc_unit {
	WC_UNIT_COUNT,   /* a number of waits or events */
	WC_UNIT_MS,      /* a duration in milliseconds */
	WC_UNIT_RATE,    /* a fraction, shown as a percentage */
};

/* The tables a column is in (its `human` and `in_json` masks). */
enum {
	WC_AT_SITE = 1,   /* a call site */
	WC_AT_GROUP = 2,  /* a group of a view (--by) */
	WC_AT_OP = 4,     /* the per-op summary */
};

/* What --fail-if may check it on: all waits (and, with --by, each group)
 * and each op ([OP.]METRIC). */
enum {
	WC_CHECK_ALL = 1,
	WC_CHECK_OP = 2,
};

/* Where a column's value comes from: a cell and the time every blocking
 * wait of the report blocked (for shares). */
struct wc_scope {
	const struct wc_cell *cell;
	int64_t all_ns;
};

struct wc_column {
	const char *title;    /* heading in table, markdown and html */
	const char *doc;      /* what it means, for --help (docs/analyzer.md
			       * says it at length) */
	const char *key;      /* key in JSON, also read back by --baseline */
	const char *metric;   /* --fail-if METRIC; NULL: not checkable */
	enum wc_unit unit;
	/* NAN when there is nothing to show (JSON null). */
	double (*value)(const struct wc_scope *s);
	/* For people; NULL: by unit (wc_fmt_ms, "12.5%", "42"), "-" for NAN. */
	const char *(*text)(const struct wc_scope *s, char buf[32]);
	unsigned human, in_json;  /* WC_AT_*: shown for people, written in JSON */
	unsigned check;        /* WC_CHECK_* */
	bool baseline;         /* kept in "before" and read back by --baseline */
	bool delta;            /* with a baseline, in JSON's "delta" */
	bool diff_shown;       /* with a baseline, human formats show before and
				* delta right after it */
	int width;             /* terminal table: right-aligned cell width */
	int drop_order;        /* terminal too narrow: dropped lowest first, 0 never */
	/* A column that needs more than the cell's counters keeps one number
	 * per cell: the largest keep() of its blocking waits (-1: nothing to
	 * keep for this wait).  Its value() reads it with wc_cell_kept(). */
	int64_t (*keep)(const struct wc_obs *obs);
};

#define WC_COLUMNS_MAX 32

extern const struct wc_column wc_columns[];
extern const size_t wc_ncolumns;

/* The column's value for a scope. */
double wc_column_value(const struct wc_column *col, const struct wc_scope *s);
/* Its text for people: value as the column writes it. */
const char *wc_column_text(const struct wc_column *col, const struct wc_scope *s,
			   char buf[32]);
/* A bare value in the column's unit (before, delta): "1.50 s", "12.5%". */
const char *wc_column_format(const struct wc_column *col, double v, char buf[32]);
/* The value as JSON stores it (ms and counts rounded to 0.001, rates to
 * 0.0001); NAN stays NAN (null). */
double wc_column_json_value(const struct wc_column *col, double v);

/* The largest keep() of the cell's blocking waits; -1 when none of them
 * kept a number (or no column has this keep). */
int64_t wc_cell_kept(const struct wc_cell *cell, int64_t (*keep)(const struct wc_obs *obs));

/* aggregate.c: a blocking wait into, and one cell into another, for every
 * column with a keep(). */
void wc_columns_keep(struct wc_cell *cell, const struct wc_obs *obs);
void wc_columns_merge(struct wc_cell *into, const struct wc_cell *from);

/* The column whose --fail-if METRIC is name and that allows check (a
 * WC_CHECK_* bit); NULL: none. */
const struct wc_column *wc_column_by_metric(const char *name, unsigned check);

/* Every column and what it means, wrapped for an 80-column --help. */
void wc_columns_help(FILE *out);

/* The cells people see in one table (WC_AT_*): each column shown there,
 * and with a baseline, before and delta right after the column they
 * compare. */
enum wc_show { WC_SHOW_VALUE, WC_SHOW_BEFORE, WC_SHOW_DELTA };

struct wc_shown {
	const struct wc_column *col;
	enum wc_show show;
	const char *title;
	int width, drop_order;
};

#define WC_SHOWN_MAX (WC_COLUMNS_MAX * 3)   /* every column with its before and delta */

struct wc_before;

/* Into out (WC_SHOWN_MAX room); how many. */
size_t wc_columns_shown(unsigned at, bool baseline, struct wc_shown *out);
/* The headings, then a row's texts, each through put: the format's markup
 * and escaping around one cell. */
void wc_shown_heads(const struct wc_shown *sh, size_t n, void (*put)(FILE *out, const char *text),
		    FILE *out);
void wc_shown_row(const struct wc_shown *sh, size_t n, const struct wc_scope *s,
		  const struct wc_before *before, void (*put)(FILE *out, const char *text), FILE *out);
/* A shown cell's text: before is NULL for a row new since the baseline
 * ("-", "new"). */
const char *wc_shown_text(const struct wc_shown *sh, const struct wc_scope *s,
			  const struct wc_before *before, char buf[32]);

#endif

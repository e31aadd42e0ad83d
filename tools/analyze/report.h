/* The report: what every output format prints, computed once from the
 * aggregation and the symbolizer.  Formats only lay it out. */
#ifndef WC_ANALYZE_REPORT_H
#define WC_ANALYZE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "aggregate.h"
#include "columns.h"
#include "symbolize.h"

struct wc_whatif;

/* A call site as an earlier report (--baseline) described it. */
struct wc_before {
	char *op, *function, *file, *binary;
	char *group;          /* a view's group (--by): its keys, '/'-joined */
	long line;
	double value[WC_COLUMNS_MAX]; /* by column (wc_columns[]), those with baseline set */
	bool matched;
};

/* Rows keep their cell: every column is computed from it (columns.c). */
struct wc_row {
	int op;
	const struct wc_sym *where;
	struct wc_cell cell;           /* owned */
	const struct wc_sym **stack;   /* the call site first, outermost last */
	uint32_t depth;
	const struct wc_before *before; /* with --baseline; NULL: new call site */
};

/* Every column is defined once, in columns.c (meaning: docs/analyzer.md,
 * Columns). */
struct wc_op_row {
	int op;
	const struct wc_cell *cell;    /* the aggregation's */
};

struct wc_proc_row {
	const char *host;
	int64_t pid;
	const char *procname;
	uint64_t waits, expired;
	double blocked_ms;
};

/* A group of a view (--by): one level's key, the same columns as a call
 * site, and with two levels the groups inside it. */
struct wc_group_row {
	const char *key;
	struct wc_cell cell;        /* owned */
	struct wc_group_row *sub;  /* second level, largest total first */
	size_t nsub;
	const struct wc_before *before; /* with --baseline; NULL: new group */
};

struct wc_folded {
	char *stack;     /* proc;outer;...;inner */
	uint64_t us;
};

struct wc_report {
	char *const *traces;
	size_t ntraces;
	char *const *hosts;
	size_t nhosts;
	struct wc_proc_row *procs;
	size_t nprocs;
	uint64_t lost_events, lost_packets;
	struct wc_op_row ops[WC_ANALYZE_OPS];   /* only those with count > 0 */
	size_t nops;
	struct wc_row *rows;                 /* by total blocked time, largest first */
	size_t nrows;
	size_t top;                          /* rows shown by human formats; 0: all */
	uint64_t count;                      /* blocking waits */
	uint64_t expired;                    /* expired deadlines */
	double total_ms, avoided_ms;
	double requested_ms; /* what the capped waits with a finite timeout asked for */
	const struct wc_cell *all;           /* every wait (the aggregation's) */
	const struct wc_hist *latency;       /* every wait */
	struct wc_folded *folded;
	size_t nfolded;
	int by[2], nby;                      /* the view; nby 0: call sites */
	struct wc_timeline *timeline;        /* html: every wait per thread; NULL none */
	struct wc_group_row *groups;         /* largest total first */
	size_t ngroups;
	char **group_labels;                 /* call-site keys, named (owned) */
	size_t ngroup_labels;
	struct wc_before *baseline;          /* NULL without --baseline */
	size_t nbaseline;
	const char *baseline_path;
	int width;                           /* terminal columns for table; 0: none */
	const struct wc_whatif *whatif;      /* --what-if, or an observe-mode trace; NULL none */
};

/* NULL when out of memory. */
struct wc_report *wc_report_build(const struct wc_agg *agg, struct wc_symbolizer *sym,
				  size_t top);
void wc_report_free(struct wc_report *report);

/* The view's groups into r (groups.c); -1 when out of memory. */
int wc_report_groups(struct wc_report *r, const struct wc_agg *agg, struct wc_symbolizer *sym);

/* The shown rows: min(top, nrows). */
size_t wc_report_shown(const struct wc_report *report);

/* Output formats; each returns 0, or -1 on a write error. */
int wc_format_table(const struct wc_report *r, FILE *out);
int wc_format_json(const struct wc_report *r, FILE *out);
int wc_format_markdown(const struct wc_report *r, FILE *out);
int wc_format_html(const struct wc_report *r, FILE *out);
int wc_format_folded(const struct wc_report *r, FILE *out);

/* "1.50 s", "200 ms", "85 us": for people, not for parsing. */
const char *wc_fmt_ms(double ms, char buf[32]);
/* The scope a column is computed on: a cell of this report. */
static inline struct wc_scope wc_report_scope(const struct wc_report *r,
					      const struct wc_cell *cell)
{
	return (struct wc_scope){ .cell = cell, .all_ns = r->all->total_ns };
}
/* s (NULL: nothing) as HTML text or attribute value: <, >, & and "
 * escaped.  format_html.c, for every HTML part (timeline, what-if). */
void wc_html_text(FILE *out, const char *s);
/* "main.c:42" or the binary's name when there is no line information. */
const char *wc_fmt_where(const struct wc_sym *sym, char *buf, size_t len);

#endif

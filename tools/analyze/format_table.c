/* The terminal table: a summary, lost events first, the per-op monitoring
 * fields, then the top call sites.  Columns that do not fit the terminal
 * are dropped, least important first; the call site column takes the rest. */
#include <string.h>

#include "groups.h"
#include "report.h"

enum col { C_RANK, C_SITE, C_OP, C_COUNT, C_TOTAL, C_BEFORE, C_DELTA, C_SHARE, C_P50,
	   C_P95, C_MAX, C_CAPPED, C_EXPIRED, C_CAP, C_ASKED, C_AVOIDED, C_NCOLS };

static const struct { const char *title; int width; int drop_order; } cols[C_NCOLS] = {
	[C_RANK] = { "#", 3, 0 },          [C_SITE] = { "call site", 0, 0 },
	[C_OP] = { "op", 7, 0 },           [C_COUNT] = { "count", 8, 0 },
	[C_TOTAL] = { "total", 9, 0 },     [C_BEFORE] = { "before", 9, 7 },
	[C_DELTA] = { "delta", 10, 8 },    [C_SHARE] = { "share", 6, 4 },
	[C_P50] = { "p50", 9, 2 },         [C_P95] = { "p95", 9, 6 },
	[C_MAX] = { "max", 9, 3 },         [C_CAPPED] = { "capped", 7, 5 },
	[C_AVOIDED] = { "avoided", 9, 1 },  [C_EXPIRED] = { "expired", 7, 3 },
	[C_CAP] = { "cap", 7, 2 },          [C_ASKED] = { "asked", 9, 1 },
};

#define MIN_SITE 24

/* The widest call site label among the rows shown. */
static int widest_site(const struct wc_report *r)
{
	int widest = MIN_SITE;
	for (size_t i = 0; i < wc_report_shown(r); i++) {
		char where[200];
		int len = (int)strlen(r->rows[i].where->function) + 3 +
			  (int)strlen(wc_fmt_where(r->rows[i].where, where, sizeof(where)));
		if (len > widest)
			widest = len;
	}
	return widest;
}

static void choose_columns(const struct wc_report *r, bool on[C_NCOLS], int *site_width)
{
	int used = 0;
	if (r->width <= 0) {
		/* Not a terminal: every column, labels in full. */
		for (int c = 0; c < C_NCOLS; c++)
			on[c] = (c != C_BEFORE && c != C_DELTA) || r->baseline;
		*site_width = widest_site(r);
		return;
	}
	for (int c = 0; c < C_NCOLS; c++) {
		on[c] = (c != C_BEFORE && c != C_DELTA) || r->baseline;
		if (on[c])
			used += cols[c].width + 1;
	}
	/* Drop the lowest drop_order first until the site column fits. */
	for (int order = 1; order <= 8 && r->width - used < MIN_SITE; order++)
		for (int c = 0; c < C_NCOLS; c++)
			if (on[c] && cols[c].drop_order == order) {
				on[c] = false;
				used -= cols[c].width + 1;
			}
	*site_width = r->width - used;
	if (*site_width > widest_site(r))
		*site_width = widest_site(r);
	if (*site_width < MIN_SITE)
		*site_width = MIN_SITE;
}

struct line {
	char text[1024];
	size_t len;
};

static void cell(struct line *l, int c, int site_width, const char *text)
{
	size_t room = sizeof(l->text) - l->len;
	int n;
	if (c == C_SITE && (int)strlen(text) > site_width)
		n = snprintf(l->text + l->len, room, "%.*s~ ", site_width - 1, text);
	else if (c == C_SITE || c == C_OP)
		n = snprintf(l->text + l->len, room, "%-*s ", c == C_SITE ? site_width : cols[c].width, text);
	else
		n = snprintf(l->text + l->len, room, "%*s ", cols[c].width, text);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Lines end where their text ends: no padding after the last column. */
static void end_line(struct line *l, FILE *out)
{
	while (l->len && l->text[l->len - 1] == ' ')
		l->len--;
	l->text[l->len] = 0;
	fprintf(out, "%s\n", l->text);
	l->len = 0;
}

static void print_ops(const struct wc_report *r, FILE *out)
{
	char a[32], b[32], t[32];
	fprintf(out, "%-8s %9s %10s %10s %10s %8s %13s\n", "op", "count", "total", "avg", "p95",
		"expired", "timeout rate");
	for (size_t i = 0; i < r->nops; i++) {
		const struct wc_op_row *o = &r->ops[i];
		fprintf(out, "%-8s %9llu %10s %10s %10s %8llu %12.1f%%\n", wc_analyze_op_name(o->op),
			(unsigned long long)o->count, wc_fmt_ms(o->total_ms, t), wc_fmt_ms(o->avg_ms, a),
			wc_fmt_ms(o->p95_ms, b), (unsigned long long)o->expired, o->timeout_rate * 100);
	}
}

static void group_line(const struct wc_report *r, const struct wc_group_row *g, const char *rank,
		       int indent, int key_width, FILE *out)
{
	char t[6][32];
	fprintf(out, "%4s %*s%-*s %8llu %9s %6.1f%% %9s %9s %9s %7llu %7llu %9s", rank, indent, "",
		key_width - indent, g->key, (unsigned long long)g->count, wc_fmt_ms(g->total_ms, t[0]),
		g->share * 100, wc_fmt_ms(g->p50_ms, t[1]), wc_fmt_ms(g->p95_ms, t[2]),
		wc_fmt_ms(g->max_ms, t[3]), (unsigned long long)g->capped,
		(unsigned long long)g->expired, wc_fmt_ms(g->avoided_ms, t[4]));
	if (r->baseline) {
		if (g->before) {
			double d = g->total_ms - g->before->total_ms;
			fprintf(out, " %9s %s%s", wc_fmt_ms(g->before->total_ms, t[4]), d < 0 ? "-" : "+",
				wc_fmt_ms(d < 0 ? -d : d, t[5]));
		} else {
			fprintf(out, " %9s %s", "-", "new");
		}
	}
	fputc('\n', out);
}

/* The view (--by): its groups, and with two levels the groups inside. */
static void print_groups(const struct wc_report *r, FILE *out)
{
	char title[64];
	int key_width = snprintf(title, sizeof(title), "%s%s%s", wc_by_name(r->by[0]),
				 r->nby > 1 ? " / " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "");
	size_t shown = r->top && r->top < r->ngroups ? r->top : r->ngroups;
	for (size_t i = 0; i < shown; i++) {
		int w = (int)strlen(r->groups[i].key);
		key_width = w > key_width ? w : key_width;
		for (size_t k = 0; k < r->groups[i].nsub; k++) {
			w = (int)strlen(r->groups[i].sub[k].key) + 4;
			key_width = w > key_width ? w : key_width;
		}
	}
	fprintf(out, "%4s %-*s %8s %9s %7s %9s %9s %9s %7s %7s %9s%s\n", "#", key_width, title, "count",
		"total", "share", "p50", "p95", "max", "capped", "expired", "avoided",
		r->baseline ? "    before delta" : "");
	for (size_t i = 0; i < shown; i++) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%zu", i + 1);
		group_line(r, &r->groups[i], rank, 0, key_width, out);
		for (size_t k = 0; k < r->groups[i].nsub; k++)
			group_line(r, &r->groups[i].sub[k], "", 4, key_width, out);
	}
	if (shown < r->ngroups)
		fprintf(out, "... %zu more %ss (--top N to see more)\n", r->ngroups - shown,
			wc_by_name(r->by[0]));
}

int wc_format_table(const struct wc_report *r, FILE *out)
{
	char t1[32], t2[32];
	char t3[32];
	fprintf(out, "waitcap analyze: %zu trace%s, %zu host%s, %zu process%s, %llu waits, "
		"%llu expired deadlines, %s blocked, %s avoided by caps\n",
		r->ntraces, r->ntraces == 1 ? "" : "s", r->nhosts, r->nhosts == 1 ? "" : "s",
		r->nprocs, r->nprocs == 1 ? "" : "es", (unsigned long long)r->count,
		(unsigned long long)r->expired,
		wc_fmt_ms(r->total_ms, t1), wc_fmt_ms(r->avoided_ms, t2));
	if (r->requested_ms > 0)
		fprintf(out, "capped waits asked for %s in all and waited %s\n",
			wc_fmt_ms(r->requested_ms, t1), wc_fmt_ms(r->requested_ms - r->avoided_ms, t3));
	if (r->lost_events || r->lost_packets)
		fprintf(out, "LOST: %llu events%s discarded by LTTng; all totals are lower bounds\n",
			(unsigned long long)r->lost_events, r->lost_packets ? " (and whole packets)" : "");
	else
		fprintf(out, "lost events: 0\n");
	if (r->baseline)
		fprintf(out, "baseline: %s\n", r->baseline_path);
	if (!r->count && !r->expired) {
		fprintf(out, "\nno blocking waits in the trace%s\n",
			r->nhosts ? "" : " (no waitcap events at all: was libwaitcap.so preloaded?)");
		return ferror(out) ? -1 : 0;
	}
	fputc('\n', out);
	print_ops(r, out);
	fputc('\n', out);
	if (r->nby) {
		print_groups(r, out);
		return ferror(out) ? -1 : 0;
	}

	bool on[C_NCOLS];
	int site_width;
	choose_columns(r, on, &site_width);
	struct line line = { .len = 0 };
	for (int c = 0; c < C_NCOLS; c++)
		if (on[c])
			cell(&line, c, site_width, cols[c].title);
	end_line(&line, out);
	size_t shown = wc_report_shown(r);
	for (size_t i = 0; i < shown; i++) {
		const struct wc_row *row = &r->rows[i];
		char text[C_NCOLS][256], where[200];
		snprintf(text[C_RANK], 256, "%zu", i + 1);
		/* Too long: shorten the function name, keep where it is. */
		wc_fmt_where(row->where, where, sizeof(where));
		int room = site_width - (int)strlen(where) - 4;
		if ((int)(strlen(row->where->function) + strlen(where)) + 3 > site_width && room >= 8)
			snprintf(text[C_SITE], 256, "%.*s~ (%s)", room, row->where->function, where);
		else
			snprintf(text[C_SITE], 256, "%s (%s)", row->where->function, where);
		snprintf(text[C_OP], 256, "%s", wc_analyze_op_name(row->op));
		snprintf(text[C_COUNT], 256, "%llu", (unsigned long long)row->count);
		wc_fmt_ms(row->total_ms, text[C_TOTAL]);
		if (row->before) {
			wc_fmt_ms(row->before->total_ms, text[C_BEFORE]);
			double d = row->total_ms - row->before->total_ms;
			char abs[32];
			snprintf(text[C_DELTA], 256, "%s%s", d < 0 ? "-" : "+", wc_fmt_ms(d < 0 ? -d : d, abs));
		} else {
			snprintf(text[C_BEFORE], 256, "-");
			snprintf(text[C_DELTA], 256, "new");
		}
		snprintf(text[C_SHARE], 256, "%.1f%%", row->share * 100);
		wc_fmt_ms(row->p50_ms, text[C_P50]);
		wc_fmt_ms(row->p95_ms, text[C_P95]);
		wc_fmt_ms(row->max_ms, text[C_MAX]);
		snprintf(text[C_CAPPED], 256, "%llu", (unsigned long long)row->capped);
		snprintf(text[C_EXPIRED], 256, "%llu", (unsigned long long)row->expired);
		wc_fmt_cap(row, text[C_CAP]);
		wc_fmt_asked(row, text[C_ASKED]);
		wc_fmt_ms(row->avoided_ms, text[C_AVOIDED]);
		for (int c = 0; c < C_NCOLS; c++)
			if (on[c])
				cell(&line, c, site_width, text[c]);
		end_line(&line, out);
	}
	if (shown < r->nrows)
		fprintf(out, "... %zu more call sites (--top N to see more)\n", r->nrows - shown);
	if (r->baseline)
		for (size_t i = 0; i < r->nbaseline; i++)
			if (!r->baseline[i].matched)
				fprintf(out, "gone since baseline: %s (%s:%ld) %s, was %s\n",
					r->baseline[i].function, r->baseline[i].file, r->baseline[i].line,
					r->baseline[i].op, wc_fmt_ms(r->baseline[i].total_ms, t1));
	return ferror(out) ? -1 : 0;
}

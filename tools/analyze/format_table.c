/* The terminal table: a summary, lost events first, the per-op monitoring
 * fields, then the top call sites.  Columns that do not fit the terminal
 * are dropped, least important first; the call site column takes the rest. */
#include <string.h>

#include "groups.h"
#include "report.h"

/* The call-site table's columns: rank, call site and op, then the cells
 * of the columns (columns.c). */
enum kind { K_RANK, K_SITE, K_OP, K_VALUE };

struct tcol {
	enum kind kind;
	struct wc_shown sh;   /* K_VALUE */
	int width, drop_order;
	const char *title;
};

#define MAX_TCOLS (WC_SHOWN_MAX + 3)
#define LAST_DROP 8

/* The per-op summary has no baseline: before and delta are per call site
 * or group. */
static size_t layout(const struct wc_report *r, unsigned at, bool ids, struct tcol *t)
{
	size_t n = 0;
	if (ids) {
		t[n++] = (struct tcol){ .kind = K_RANK, .title = "#", .width = 3 };
		t[n++] = (struct tcol){ .kind = K_SITE, .title = "call site" };
		t[n++] = (struct tcol){ .kind = K_OP, .title = "op", .width = 7 };
	}
	struct wc_shown sh[WC_SHOWN_MAX];
	size_t k = wc_columns_shown(at, r->baseline != NULL && at != WC_AT_OP, sh);
	for (size_t i = 0; i < k; i++)
		t[n++] = (struct tcol){ .kind = K_VALUE, .sh = sh[i], .title = sh[i].title,
					.width = sh[i].width, .drop_order = sh[i].drop_order };
	return n;
}

static const char *value_text(const struct wc_report *r, const struct tcol *t,
			      const struct wc_cell *cell, const struct wc_before *b, char buf[32])
{
	struct wc_scope s = wc_report_scope(r, cell);
	return wc_shown_text(&t->sh, &s, b, buf);
}

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

static void choose_columns(const struct wc_report *r, const struct tcol *t, size_t n, bool *on,
			   int *site_width)
{
	int used = 0;
	for (size_t c = 0; c < n; c++) {
		on[c] = true;
		used += t[c].width + 1;
	}
	if (r->width <= 0) {
		/* Not a terminal: every column, labels in full. */
		*site_width = widest_site(r);
		return;
	}
	/* Drop the lowest drop_order first until the site column fits. */
	for (int order = 1; order <= LAST_DROP && r->width - used < MIN_SITE; order++)
		for (size_t c = 0; c < n; c++)
			if (on[c] && t[c].drop_order == order) {
				on[c] = false;
				used -= t[c].width + 1;
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

static void cell(struct line *l, const struct tcol *t, int site_width, const char *text)
{
	size_t room = sizeof(l->text) - l->len;
	int n;
	if (t->kind == K_SITE && (int)strlen(text) > site_width)
		n = snprintf(l->text + l->len, room, "%.*s~ ", site_width - 1, text);
	else if (t->kind == K_SITE || t->kind == K_OP)
		n = snprintf(l->text + l->len, room, "%-*s ", t->kind == K_SITE ? site_width : t->width, text);
	else
		n = snprintf(l->text + l->len, room, "%*s ", t->width, text);
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
	struct tcol t[MAX_TCOLS];
	size_t n = layout(r, WC_AT_OP, false, t);
	struct line line = { .len = 0 };
	struct tcol op = { .kind = K_OP, .width = 8 };
	cell(&line, &op, 0, "op");
	for (size_t c = 0; c < n; c++)
		cell(&line, &t[c], 0, t[c].title);
	end_line(&line, out);
	for (size_t i = 0; i < r->nops; i++) {
		cell(&line, &op, 0, wc_analyze_op_name(r->ops[i].op));
		for (size_t c = 0; c < n; c++) {
			char text[32];
			cell(&line, &t[c], 0, value_text(r, &t[c], r->ops[i].cell, NULL, text));
		}
		end_line(&line, out);
	}
}

/* One group: its key indented under its outer group, then its columns. */
static void group_line(const struct wc_report *r, const struct tcol *t, size_t n,
		       const struct wc_group_row *g, const char *rank, int indent, int key_width,
		       FILE *out)
{
	struct line line = { .len = 0 };
	char key[600];
	snprintf(key, sizeof(key), "%*s%s", indent, "", g->key);
	struct tcol rank_col = { .kind = K_RANK, .width = 4 };
	struct tcol key_col = { .kind = K_OP, .width = key_width };
	cell(&line, &rank_col, 0, rank);
	cell(&line, &key_col, 0, key);
	for (size_t c = 0; c < n; c++) {
		char text[32];
		cell(&line, &t[c], 0, value_text(r, &t[c], &g->cell, g->before, text));
	}
	end_line(&line, out);
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
	struct tcol t[MAX_TCOLS];
	size_t n = layout(r, WC_AT_GROUP, false, t);
	struct line line = { .len = 0 };
	struct tcol rank_col = { .kind = K_RANK, .width = 4 };
	struct tcol key_col = { .kind = K_OP, .width = key_width };
	cell(&line, &rank_col, 0, "#");
	cell(&line, &key_col, 0, title);
	for (size_t c = 0; c < n; c++)
		cell(&line, &t[c], 0, t[c].title);
	end_line(&line, out);
	for (size_t i = 0; i < shown; i++) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%zu", i + 1);
		group_line(r, t, n, &r->groups[i], rank, 0, key_width, out);
		for (size_t k = 0; k < r->groups[i].nsub; k++)
			group_line(r, t, n, &r->groups[i].sub[k], "", 4, key_width, out);
	}
	if (shown < r->ngroups)
		fprintf(out, "... %zu more %ss (--top N to see more)\n", r->ngroups - shown,
			wc_by_name(r->by[0]));
}

/* What a call site gone since the baseline blocked then. */
static const char *gone_total(const struct wc_before *b, char buf[32])
{
	for (size_t i = 0; i < wc_ncolumns; i++)
		if (wc_columns[i].diff_shown)
			return wc_column_format(&wc_columns[i], b->value[i], buf);
	return strcpy(buf, "?");
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

	struct tcol t[MAX_TCOLS];
	size_t n = layout(r, WC_AT_SITE, true, t);
	bool on[MAX_TCOLS];
	int site_width;
	choose_columns(r, t, n, on, &site_width);
	struct line line = { .len = 0 };
	for (size_t c = 0; c < n; c++)
		if (on[c])
			cell(&line, &t[c], site_width, t[c].title);
	end_line(&line, out);
	size_t shown = wc_report_shown(r);
	for (size_t i = 0; i < shown; i++) {
		const struct wc_row *row = &r->rows[i];
		for (size_t c = 0; c < n; c++) {
			if (!on[c])
				continue;
			char text[256], where[200];
			switch (t[c].kind) {
			case K_RANK:
				snprintf(text, sizeof(text), "%zu", i + 1);
				break;
			case K_SITE: {
				/* Too long: shorten the function name, keep where it is. */
				wc_fmt_where(row->where, where, sizeof(where));
				int room = site_width - (int)strlen(where) - 4;
				if ((int)(strlen(row->where->function) + strlen(where)) + 3 > site_width && room >= 8)
					snprintf(text, sizeof(text), "%.*s~ (%s)", room, row->where->function, where);
				else
					snprintf(text, sizeof(text), "%s (%s)", row->where->function, where);
				break;
			}
			case K_OP:
				snprintf(text, sizeof(text), "%s", wc_analyze_op_name(row->op));
				break;
			default:
				value_text(r, &t[c], &row->cell, row->before, text);
			}
			cell(&line, &t[c], site_width, text);
		}
		end_line(&line, out);
	}
	if (shown < r->nrows)
		fprintf(out, "... %zu more call sites (--top N to see more)\n", r->nrows - shown);
	if (r->baseline)
		for (size_t i = 0; i < r->nbaseline; i++)
			if (!r->baseline[i].matched)
				fprintf(out, "gone since baseline: %s (%s:%ld) %s, was %s\n",
					r->baseline[i].function, r->baseline[i].file, r->baseline[i].line,
					r->baseline[i].op, gone_total(&r->baseline[i], t1));
	return ferror(out) ? -1 : 0;
}

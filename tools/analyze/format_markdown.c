/* Markdown, for incident review documents and pull requests. */
#include <string.h>

#include "groups.h"
#include "report.h"

/* Table cells: a '|' would end the cell. */
static void md_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '*' || *s == '_' || *s == '`')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void md_cell(FILE *out, const char *text)
{
	fputc(' ', out);
	md_text(out, text);
	fputs(" |", out);
}

/* The header of a table's value cells and its alignment row. */
static void md_heads(const struct wc_shown *sh, size_t n, FILE *out)
{
	wc_shown_heads(sh, n, md_cell, out);
}

static void md_rule(size_t n, FILE *out)
{
	for (size_t c = 0; c < n; c++)
		fputs("---:|", out);
	fputc('\n', out);
}

static void md_values(const struct wc_report *r, const struct wc_shown *sh, size_t n,
		      const struct wc_cell *cell, const struct wc_before *before, FILE *out)
{
	struct wc_scope s = wc_report_scope(r, cell);
	wc_shown_row(sh, n, &s, before, md_cell, out);
	fputc('\n', out);
}

static void md_group(const struct wc_report *r, const struct wc_shown *sh, size_t n,
		     const struct wc_group_row *g, const char *rank, const char *indent, FILE *out)
{
	fprintf(out, "| %s | %s", rank, indent);
	md_text(out, g->key);
	fputs(" |", out);
	md_values(r, sh, n, &g->cell, g->before, out);
}

static void md_groups(const struct wc_report *r, FILE *out)
{
	struct wc_shown sh[WC_SHOWN_MAX];
	size_t n = wc_columns_shown(WC_AT_GROUP, r->baseline != NULL, sh);
	fprintf(out, "\n## By %s%s%s\n\n| # | %s%s%s |",
		wc_by_name(r->by[0]), r->nby > 1 ? ", then " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "",
		wc_by_name(r->by[0]), r->nby > 1 ? " / " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "");
	md_heads(sh, n, out);
	fputs("\n|---:|---|", out);
	md_rule(n, out);
	size_t shown = r->top && r->top < r->ngroups ? r->top : r->ngroups;
	for (size_t i = 0; i < shown; i++) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%zu", i + 1);
		md_group(r, sh, n, &r->groups[i], rank, "", out);
		for (size_t k = 0; k < r->groups[i].nsub; k++)
			md_group(r, sh, n, &r->groups[i].sub[k], "", "&nbsp;&nbsp;&nbsp;&nbsp;", out);
	}
	if (shown < r->ngroups)
		fprintf(out, "\n%zu more groups not shown (`--top N`).\n", r->ngroups - shown);
}

int wc_format_markdown(const struct wc_report *r, FILE *out)
{
	char a[32], b[32];
	fprintf(out, "# Blocking waits per call site\n\n");
	if (r->lost_events || r->lost_packets)
		fprintf(out, "> **Lost events: %llu%s.** LTTng discarded events; every total below is a lower bound.\n\n",
			(unsigned long long)r->lost_events, r->lost_packets ? " (and whole packets)" : "");
	else
		fprintf(out, "Lost events: 0.\n\n");
	fprintf(out, "%llu waits, %llu expired deadlines, %s blocked in total, %s avoided by caps; %zu process%s on %zu host%s.\n\n",
		(unsigned long long)r->count, (unsigned long long)r->expired,
		wc_fmt_ms(r->total_ms, a), wc_fmt_ms(r->avoided_ms, b),
		r->nprocs, r->nprocs == 1 ? "" : "es", r->nhosts, r->nhosts == 1 ? "" : "s");
	if (r->baseline)
		fprintf(out, "Compared with baseline `%s`.\n\n", r->baseline_path);

	struct wc_shown sh[WC_SHOWN_MAX];
	size_t n = wc_columns_shown(WC_AT_OP, false, sh);
	fputs("## Per operation\n\n| op |", out);
	md_heads(sh, n, out);
	fputs("\n|---|", out);
	md_rule(n, out);
	for (size_t i = 0; i < r->nops; i++) {
		fprintf(out, "| %s |", wc_analyze_op_name(r->ops[i].op));
		md_values(r, sh, n, r->ops[i].cell, NULL, out);
	}

	if (r->nby) {
		md_groups(r, out);
		return ferror(out) ? -1 : 0;
	}
	n = wc_columns_shown(WC_AT_SITE, r->baseline != NULL, sh);
	fputs("\n## Call sites by blocked time\n\n| # | call site | where | op |", out);
	md_heads(sh, n, out);
	fputs("\n|---:|---|---|---|", out);
	md_rule(n, out);
	size_t shown = wc_report_shown(r);
	for (size_t i = 0; i < shown; i++) {
		const struct wc_row *row = &r->rows[i];
		char where[256];
		fprintf(out, "| %zu | `%s` | ", i + 1, row->where->function);
		md_text(out, wc_fmt_where(row->where, where, sizeof(where)));
		fprintf(out, " | %s |", wc_analyze_op_name(row->op));
		md_values(r, sh, n, &row->cell, row->before, out);
	}
	if (shown < r->nrows)
		fprintf(out, "\n%zu more call sites not shown (`--top N`).\n", r->nrows - shown);
	if (shown) {
		fprintf(out, "\n## Stack of the top call site\n\n```\n");
		for (uint32_t i = 0; i < r->rows[0].depth; i++) {
			char where[256];
			fprintf(out, "%s (%s)\n", r->rows[0].stack[i]->function,
				wc_fmt_where(r->rows[0].stack[i], where, sizeof(where)));
		}
		fprintf(out, "```\n");
	}
	return ferror(out) ? -1 : 0;
}

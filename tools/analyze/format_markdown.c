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

static void md_group(const struct wc_report *r, const struct wc_group_row *g, const char *rank,
		     const char *indent, FILE *out)
{
	char t[6][32];
	fprintf(out, "| %s | %s", rank, indent);
	md_text(out, g->key);
	fprintf(out, " | %llu | %s | %.1f%% | %s | %s | %s | %llu | %llu | %s |",
		(unsigned long long)g->count, wc_fmt_ms(g->total_ms, t[0]), g->share * 100,
		wc_fmt_ms(g->p50_ms, t[1]), wc_fmt_ms(g->p95_ms, t[2]), wc_fmt_ms(g->max_ms, t[3]),
		(unsigned long long)g->capped, (unsigned long long)g->expired,
		wc_fmt_ms(g->avoided_ms, t[4]));
	if (r->baseline && g->before) {
		double d = g->total_ms - g->before->total_ms;
		fprintf(out, " %s | %s%s |", wc_fmt_ms(g->before->total_ms, t[4]), d < 0 ? "-" : "+",
			wc_fmt_ms(d < 0 ? -d : d, t[5]));
	} else if (r->baseline) {
		fputs(" - | new |", out);
	}
	fputc('\n', out);
}

static void md_groups(const struct wc_report *r, FILE *out)
{
	fprintf(out, "\n## By %s%s%s\n\n| # | %s%s%s | count | total | share | p50 | p95 | max | capped | expired | avoided |%s\n"
		"|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|%s\n",
		wc_by_name(r->by[0]), r->nby > 1 ? ", then " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "",
		wc_by_name(r->by[0]), r->nby > 1 ? " / " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "",
		r->baseline ? " before | delta |" : "", r->baseline ? "---:|---:|" : "");
	size_t shown = r->top && r->top < r->ngroups ? r->top : r->ngroups;
	for (size_t i = 0; i < shown; i++) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%zu", i + 1);
		md_group(r, &r->groups[i], rank, "", out);
		for (size_t k = 0; k < r->groups[i].nsub; k++)
			md_group(r, &r->groups[i].sub[k], "", "&nbsp;&nbsp;&nbsp;&nbsp;", out);
	}
	if (shown < r->ngroups)
		fprintf(out, "\n%zu more groups not shown (`--top N`).\n", r->ngroups - shown);
}

int wc_format_markdown(const struct wc_report *r, FILE *out)
{
	char a[32], b[32], c[32], d[32];
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

	fprintf(out, "## Per operation\n\n| op | count | total | avg | p95 | expired | timeout rate |\n|---|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < r->nops; i++)
		fprintf(out, "| %s | %llu | %s | %s | %s | %llu | %.1f%% |\n", wc_analyze_op_name(r->ops[i].op),
			(unsigned long long)r->ops[i].count, wc_fmt_ms(r->ops[i].total_ms, c),
			wc_fmt_ms(r->ops[i].avg_ms, a), wc_fmt_ms(r->ops[i].p95_ms, b),
			(unsigned long long)r->ops[i].expired, r->ops[i].timeout_rate * 100);

	if (r->nby) {
		md_groups(r, out);
		return ferror(out) ? -1 : 0;
	}
	fprintf(out, "\n## Call sites by blocked time\n\n| # | call site | where | op | count | total | %s share | p50 | p95 | max | capped | expired | cap | asked | avoided |\n"
		"|---:|---|---|---|---:|---:|%s---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
		r->baseline ? "before | delta |" : "", r->baseline ? "---:|---:|" : "");
	size_t shown = wc_report_shown(r);
	for (size_t i = 0; i < shown; i++) {
		const struct wc_row *row = &r->rows[i];
		char where[256];
		fprintf(out, "| %zu | `%s` | ", i + 1, row->where->function);
		md_text(out, wc_fmt_where(row->where, where, sizeof(where)));
		fprintf(out, " | %s | %llu | %s | ", wc_analyze_op_name(row->op),
			(unsigned long long)row->count, wc_fmt_ms(row->total_ms, a));
		if (r->baseline) {
			if (row->before) {
				double delta = row->total_ms - row->before->total_ms;
				fprintf(out, "%s | %s%s | ", wc_fmt_ms(row->before->total_ms, b),
					delta < 0 ? "-" : "+", wc_fmt_ms(delta < 0 ? -delta : delta, c));
			} else {
				fprintf(out, "- | new | ");
			}
		}
		char e[32], f[32];
		fprintf(out, "%.1f%% | %s | %s | %s | %llu | %llu | %s | %s | %s |\n", row->share * 100,
			wc_fmt_ms(row->p50_ms, a), wc_fmt_ms(row->p95_ms, b), wc_fmt_ms(row->max_ms, c),
			(unsigned long long)row->capped, (unsigned long long)row->expired, wc_fmt_cap(row, e), wc_fmt_asked(row, f),
			wc_fmt_ms(row->avoided_ms, d));
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

/* HTML: one self-contained page (inline CSS and SVG, no script, nothing
 * fetched) with the top call sites by blocked time as a bar chart, the
 * latency distribution of all waits, and the tables of the other formats. */
#include <stdio.h>
#include <string.h>

#include "groups.h"
#include "report.h"
#include "whatif.h"
#include "timeline.h"

#define CHART_BARS 15

void wc_html_text(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
	}
}

static void site_label(FILE *out, const struct wc_row *row)
{
	char where[256];
	wc_html_text(out, row->where->function);
	fputs(" (", out);
	wc_html_text(out, wc_fmt_where(row->where, where, sizeof(where)));
	fputs(")", out);
}

/* Chart labels have 360 px: long C++ or Python names are cut, the full
 * name is in the element's title. */
static void short_label(FILE *out, const struct wc_row *row)
{
	char where[256], label[512];
	snprintf(label, sizeof(label), "%s (%s)", row->where->function,
		 wc_fmt_where(row->where, where, sizeof(where)));
	if (strlen(label) > 52)
		strcpy(label + 49, "...");
	wc_html_text(out, label);
}

static void bar_chart(const struct wc_report *r, FILE *out)
{
	size_t n = wc_report_shown(r);
	if (n > CHART_BARS)
		n = CHART_BARS;
	double max = n ? (double)r->rows[0].cell.total_ns / 1e6 : 0;
	const int label_w = 360, bar_w = 440, row_h = 24, width = label_w + bar_w + 110;
	fprintf(out, "<svg id=\"callsite-chart\" role=\"img\" aria-label=\"Top call sites by blocked time\" "
		"xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" viewBox=\"0 0 %d %zu\">\n",
		width, n * row_h + 10, width, n * row_h + 10);
	for (size_t i = 0; i < n; i++) {
		const struct wc_row *row = &r->rows[i];
		int y = (int)i * row_h + 5;
		double total_ms = (double)row->cell.total_ns / 1e6;
		int w = max > 0 ? (int)(total_ms / max * bar_w) : 0;
		char t[32];
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"label\"><title>", label_w - 8, y + 16);
		site_label(out, row);
		fputs("</title>", out);
		short_label(out, row);
		fprintf(out, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"bar-%s\"/>\n",
			label_w, y + 3, w < 1 ? 1 : w, row_h - 6, row->cell.capped ? "capped" : "plain");
		fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"value\">%s</text>\n", label_w + (w < 1 ? 1 : w) + 6,
			y + 16, wc_fmt_ms(total_ms, t));
	}
	fputs("</svg>\n", out);
}

/* Buckets 1-2-5 per decade from 1 us: readable edges for any spread. */
static void latency_histogram(const struct wc_report *r, FILE *out)
{
	int64_t edges[40];
	int nedges = 0;
	for (int64_t decade = 1000; nedges < 38; decade *= 10) {
		edges[nedges++] = decade;
		edges[nedges++] = decade * 2;
		edges[nedges++] = decade * 5;
		if (decade * 5 > r->latency->max_ns)
			break;
	}
	int first = 0;
	while (first + 1 < nedges && edges[first + 1] <= r->latency->min_ns)
		first++;
	uint64_t counts[40], max = 0;
	int nbins = 0;
	for (int i = first; i < nedges; i++, nbins++) {
		int64_t lo = i == first ? 0 : edges[i];
		int64_t hi = i + 1 < nedges ? edges[i + 1] : INT64_MAX;
		counts[nbins] = wc_hist_count_range(r->latency, lo, hi);
		if (counts[nbins] > max)
			max = counts[nbins];
	}
	const int bin_w = 64, plot_h = 180, width = nbins * bin_w + 20, height = plot_h + 50;
	fprintf(out, "<svg id=\"latency-histogram\" role=\"img\" aria-label=\"Wait durations\" "
		"xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
		width, height, width, height);
	for (int b = 0; b < nbins; b++) {
		int h = max ? (int)((double)counts[b] / (double)max * plot_h) : 0;
		if (counts[b] && h < 2)
			h = 2;
		int x = 10 + b * bin_w;
		char t[32];
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"bar-plain\"/>\n",
			x + 4, 20 + plot_h - h, bin_w - 8, h);
		if (counts[b])
			fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"value\">%llu</text>\n",
				x + bin_w / 2, 20 + plot_h - h - 4, (unsigned long long)counts[b]);
		/* The first bin holds everything below the next edge. */
		if (b == 0 && nbins > 1)
			fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">&lt;%s</text>\n",
				x + bin_w / 2, height - 12, wc_fmt_ms((double)edges[first + 1] / 1e6, t));
		else
			fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"axis\">&#8805;%s</text>\n",
				x + bin_w / 2, height - 12, wc_fmt_ms((double)edges[first + b] / 1e6, t));
	}
	fputs("</svg>\n", out);
}

static void html_head(FILE *out, const char *text)
{
	fprintf(out, "<th>%s</th>", text);
}

static void html_cell(FILE *out, const char *text)
{
	fputs("<td>", out);
	wc_html_text(out, text);
	fputs("</td>", out);
}

static void html_heads(const struct wc_shown *sh, size_t n, FILE *out)
{
	wc_shown_heads(sh, n, html_head, out);
	fputs("</tr>\n", out);
}

static void html_values(const struct wc_report *r, const struct wc_shown *sh, size_t n,
			const struct wc_cell *cell, const struct wc_before *before, FILE *out)
{
	struct wc_scope s = wc_report_scope(r, cell);
	wc_shown_row(sh, n, &s, before, html_cell, out);
	fputs("</tr>\n", out);
}

static void tables(const struct wc_report *r, FILE *out)
{
	struct wc_shown sh[WC_SHOWN_MAX];
	size_t n = wc_columns_shown(WC_AT_OP, false, sh);
	fputs("<h2>Per operation</h2>\n<table><tr><th>op</th>", out);
	html_heads(sh, n, out);
	for (size_t i = 0; i < r->nops; i++) {
		fprintf(out, "<tr><td>%s</td>", wc_analyze_op_name(r->ops[i].op));
		html_values(r, sh, n, r->ops[i].cell, NULL, out);
	}
	n = wc_columns_shown(WC_AT_SITE, r->baseline != NULL, sh);
	fputs("</table>\n<h2>Call sites</h2>\n<table><tr><th>#</th><th>call site</th><th>op</th>", out);
	html_heads(sh, n, out);
	size_t shown = wc_report_shown(r);
	for (size_t i = 0; i < shown; i++) {
		const struct wc_row *row = &r->rows[i];
		fprintf(out, "<tr><td>%zu</td><td class=\"site\" title=\"", i + 1);
		for (uint32_t k = 0; k < row->depth; k++) {
			char where[256];
			wc_html_text(out, row->stack[k]->function);
			fputs(" ", out);
			wc_html_text(out, wc_fmt_where(row->stack[k], where, sizeof(where)));
			fputs(k + 1 < row->depth ? " &#8592; " : "", out);
		}
		fputs("\">", out);
		site_label(out, row);
		fprintf(out, "</td><td>%s</td>", wc_analyze_op_name(row->op));
		html_values(r, sh, n, &row->cell, row->before, out);
	}
	fputs("</table>\n", out);
	if (shown < r->nrows)
		fprintf(out, "<p>%zu more call sites not shown (--top N).</p>\n", r->nrows - shown);
}

static void html_group(const struct wc_report *r, const struct wc_shown *sh, size_t n,
		       const struct wc_group_row *g, const char *rank, bool inner, FILE *out)
{
	fprintf(out, "<tr%s><td>%s</td><td class=\"site\">", inner ? " class=\"inner\"" : "", rank);
	wc_html_text(out, g->key);
	fputs("</td>", out);
	html_values(r, sh, n, &g->cell, g->before, out);
}

static void html_groups(const struct wc_report *r, FILE *out)
{
	struct wc_shown sh[WC_SHOWN_MAX];
	size_t n = wc_columns_shown(WC_AT_GROUP, r->baseline != NULL, sh);
	fprintf(out, "<h2>By %s%s%s</h2>\n<table><tr><th>#</th><th>%s%s%s</th>",
		wc_by_name(r->by[0]), r->nby > 1 ? ", then " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "",
		wc_by_name(r->by[0]), r->nby > 1 ? " / " : "", r->nby > 1 ? wc_by_name(r->by[1]) : "");
	html_heads(sh, n, out);
	size_t shown = r->top && r->top < r->ngroups ? r->top : r->ngroups;
	for (size_t i = 0; i < shown; i++) {
		char rank[24];
		snprintf(rank, sizeof(rank), "%zu", i + 1);
		html_group(r, sh, n, &r->groups[i], rank, false, out);
		for (size_t k = 0; k < r->groups[i].nsub; k++)
			html_group(r, sh, n, &r->groups[i].sub[k], "", true, out);
	}
	fputs("</table>\n", out);
}

int wc_format_html(const struct wc_report *r, FILE *out)
{
	char a[32], b[32];
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>waitcap: blocking waits per call site</title>\n<style>\n"
	      "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse;margin:1em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}\n"
	      "td.site,th:nth-child(2){text-align:left}tr.inner td.site{padding-left:2em}\n"
	      ".lost{background:#fde2e1;border:1px solid #c0392b;padding:.6em 1em;font-weight:bold}\n"
	      ".bar-plain{fill:#3c78b4}.bar-capped{fill:#d9822b}\n"
	      "svg text{font:12px system-ui,sans-serif;fill:#222}.axis{fill:#555}\n"
	      "#timeline rect.w{fill:#3c78b4}#timeline rect.capped{fill:#d9822b}"
	      "#timeline .tick{stroke:#ddd}#timeline text.label{font-size:11px}\n"
	      "</style></head><body>\n<h1>Blocking waits per call site</h1>\n", out);
	if (r->lost_events || r->lost_packets)
		fprintf(out, "<p class=\"lost\">Lost events: %llu%s. LTTng discarded events; every total "
			"below is a lower bound.</p>\n", (unsigned long long)r->lost_events,
			r->lost_packets ? " (and whole packets)" : "");
	else
		fputs("<p>Lost events: 0.</p>\n", out);
	fprintf(out, "<p>%llu waits, %llu expired deadlines, %s blocked in total, %s avoided by caps; %zu process%s on %zu host%s.</p>\n",
		(unsigned long long)r->count, (unsigned long long)r->expired, wc_fmt_ms(r->total_ms, a), wc_fmt_ms(r->avoided_ms, b),
		r->nprocs, r->nprocs == 1 ? "" : "es", r->nhosts, r->nhosts == 1 ? "" : "s");
	if (r->baseline) {
		fputs("<p>Compared with baseline ", out);
		wc_html_text(out, r->baseline_path);
		fputs(".</p>\n", out);
	}
	if (r->count) {
		fputs("<h2>Top call sites by blocked time</h2>\n<p>Orange: some waits were capped.</p>\n", out);
		bar_chart(r, out);
		fputs("<h2>Wait durations (all call sites)</h2>\n", out);
		latency_histogram(r, out);
	}
	if (r->timeline) {
		fputs("<h2>Timeline</h2>\n<p>Each thread's waits on one time axis (orange: capped; "
		      "hover a bar for the call site, peer, what it asked and the cap; waits too short "
		      "to draw are summed per pixel).</p>\n", out);
		wc_timeline_svg(r->timeline, out);
	}
	if (r->nby)
		html_groups(r, out);
	tables(r, out);
	if (r->whatif)
		wc_whatif_html(r->whatif, out);
	fputs("</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}

/* What-if from phase events (whatif.h). */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "whatif.h"

/* The what-if's index of a phase's op: the op itself (a socket op), or -1. */
static int op_index(int op)
{
	return op >= 0 && op < WC_WHATIF_OPS ? op : -1;
}

static int64_t cap_for(const struct wc_whatif_spec *spec, const struct wc_phase *p)
{
	int i = op_index(p->op);
	if (i < 0)
		return -1;
	switch (spec->kind) {
	case WC_WHATIF_CAPS:
		return spec->caps_ms[i];
	case WC_WHATIF_PROFILE: {
		int64_t caps[WC_WHATIF_OPS];
		wc_whatif_caps_for_peer(spec->profile, p->peer, caps);
		return caps[i];
	}
	case WC_WHATIF_OBSERVED:
		return p->observed ? p->cap_ms : -1;
	default:
		return -1;
	}
}

static struct wc_whatif_row *row_of(struct wc_whatif_row **rows, size_t *n, int op,
				    const struct wc_frame *frame, const char *peer)
{
	for (size_t i = 0; i < *n; i++) {
		struct wc_whatif_row *r = &(*rows)[i];
		if (r->op != op)
			continue;
		if (frame && r->frame.binary == frame->binary && r->frame.offset == frame->offset)
			return r;
		if (peer && r->peer && strcmp(r->peer, peer) == 0)
			return r;
	}
	struct wc_whatif_row *v = realloc(*rows, (*n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*rows = v;
	struct wc_whatif_row *r = &v[(*n)++];
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->cap_ms = -1;
	if (frame)
		r->frame = *frame;
	r->peer = peer;
	return r;
}

static void count(struct wc_whatif_row *r, const struct wc_phase *p, int64_t cap, bool cut,
		  bool broken, double over_ms)
{
	if (!r)
		return;
	r->phases++;
	if (cap > r->cap_ms)
		r->cap_ms = cap;
	if (cut) {
		r->cut++;
		r->saved_ms += over_ms;
	}
	if (broken) {
		r->broken++;
		if ((double)p->dur_ns / 1e6 > r->broken_max_ms)
			r->broken_max_ms = (double)p->dur_ns / 1e6;
	}
}

static int by_effect(const void *a, const void *b)
{
	const struct wc_whatif_row *x = a, *y = b;
	if (x->broken != y->broken)
		return x->broken < y->broken ? 1 : -1;
	if (x->saved_ms != y->saved_ms)
		return x->saved_ms < y->saved_ms ? 1 : -1;
	return x->op - y->op;
}

struct wc_whatif *wc_whatif_build(const struct wc_agg *agg, struct wc_symbolizer *sym,
				  const struct wc_whatif_spec *spec)
{
	if (spec->kind == WC_WHATIF_NONE)
		return NULL;
	if (spec->kind == WC_WHATIF_OBSERVED) {
		bool any = false;
		for (size_t i = 0; i < agg->phases.count && !any; i++)
			any = agg->phases.v[i].observed;
		if (!any)
			return NULL;
	}
	struct wc_whatif *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->source = spec->source;
	for (int i = 0; i < WC_WHATIF_OPS; i++)
		w->caps_ms[i] = spec->kind == WC_WHATIF_OBSERVED ? -1 : spec->caps_ms[i];
	for (size_t i = 0; i < agg->phases.count; i++) {
		const struct wc_phase *p = &agg->phases.v[i];
		int64_t cap = cap_for(spec, p);
		if (cap < 0)
			continue;
		if (spec->kind == WC_WHATIF_OBSERVED && cap > w->caps_ms[op_index(p->op)])
			w->caps_ms[op_index(p->op)] = cap;
		double over_ms = (double)p->dur_ns / 1e6 - (double)cap;
		bool longer = over_ms > 0;
		bool broken = longer && p->outcome == WC_OUT_COMPLETED;
		bool cut = longer && p->outcome != WC_OUT_COMPLETED;
		w->phases++;
		w->cut += cut;
		w->broken += broken;
		if (cut)
			w->saved_ms += over_ms;
		count(row_of(&w->sites, &w->nsites, p->op, &p->where, NULL), p, cap, cut, broken, over_ms);
		struct wc_whatif_row *d = row_of(&w->dests, &w->ndests, p->op, NULL, p->peer);
		if (d && !d->rule)
			d->rule = p->rule;
		count(d, p, cap, cut, broken, over_ms);
	}
	for (size_t i = 0; i < w->nsites; i++)
		w->sites[i].where = wc_symbolize(sym, &w->sites[i].frame);
	qsort(w->sites, w->nsites, sizeof(*w->sites), by_effect);
	qsort(w->dests, w->ndests, sizeof(*w->dests), by_effect);
	return w;
}

void wc_whatif_free(struct wc_whatif *w)
{
	if (!w)
		return;
	free(w->sites);
	free(w->dests);
	free(w);
}

static const char *cap_text(int64_t ms, char buf[32])
{
	if (ms < 0)
		return "none";
	if (ms % 1000 == 0)
		snprintf(buf, 32, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, 32, "%lldms", (long long)ms);
	return buf;
}

static void caps_line(const struct wc_whatif *w, char *buf, size_t len)
{
	size_t n = 0;
	for (int i = 0; i < WC_WHATIF_OPS && n < len; i++) {
		char c[32];
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s", i ? "," : "", wc_op_names[i],
				      cap_text(w->caps_ms[i], c));
	}
}

void wc_whatif_text(const struct wc_whatif *w, FILE *out, bool markdown)
{
	char a[32], b[32], caps[128], where[256];
	caps_line(w, caps, sizeof caps);
	fprintf(out, markdown ? "\n## What if: %s\n\n" : "\nwhat if: %s\n", w->source);
	fprintf(out, "%scaps %s: %s saved by %llu phase%s cut short (failed or timed out after "
		"longer than the cap), %llu broken (completed after longer than the cap), of "
		"%llu phase%s\n", markdown ? "" : "  ", caps, wc_fmt_ms(w->saved_ms, a),
		(unsigned long long)w->cut, w->cut == 1 ? "" : "s", (unsigned long long)w->broken,
		(unsigned long long)w->phases, w->phases == 1 ? "" : "s");
	if (!w->phases) {
		fprintf(out, "%sno connect, response or send phase in the trace had a cap to apply "
			"(waitcap:phase events: recorded by this version of libwaitcap.so)\n",
			markdown ? "\n" : "  ");
		return;
	}
	if (markdown)
		fputs("\n| call site | where | op | cap | phases | cut | saved | broken | longest broken |\n"
		      "|---|---|---|---:|---:|---:|---:|---:|---:|\n", out);
	else
		fprintf(out, "\n  %-40s %-8s %6s %6s %5s %10s %6s %14s\n", "call site", "op", "cap",
			"phases", "cut", "saved", "broken", "longest broken");
	for (size_t i = 0; i < w->nsites; i++) {
		const struct wc_whatif_row *r = &w->sites[i];
		char c[32], site[400];
		wc_fmt_where(r->where, where, sizeof where);
		snprintf(site, sizeof site, "%s (%s)", r->where->function, where);
		if (markdown)
			fprintf(out, "| `%s` | %s | %s | %s | %llu | %llu | %s | %llu | %s |\n",
				r->where->function, where, wc_analyze_op_name(r->op), cap_text(r->cap_ms, c),
				(unsigned long long)r->phases, (unsigned long long)r->cut,
				wc_fmt_ms(r->saved_ms, a), (unsigned long long)r->broken,
				r->broken ? wc_fmt_ms(r->broken_max_ms, b) : "-");
		else
			fprintf(out, "  %-40.200s %-8s %6s %6llu %5llu %10s %6llu %14s\n", site,
				wc_analyze_op_name(r->op), cap_text(r->cap_ms, c),
				(unsigned long long)r->phases, (unsigned long long)r->cut,
				wc_fmt_ms(r->saved_ms, a), (unsigned long long)r->broken,
				r->broken ? wc_fmt_ms(r->broken_max_ms, b) : "-");
	}
	if (markdown)
		fputs("\n| destination | rule | op | cap | phases | cut | saved | broken | longest broken |\n"
		      "|---|---|---|---:|---:|---:|---:|---:|---:|\n", out);
	else
		fprintf(out, "\n  %-24s %-16s %-8s %6s %6s %5s %10s %6s %14s\n", "destination", "rule",
			"op", "cap", "phases", "cut", "saved", "broken", "longest broken");
	for (size_t i = 0; i < w->ndests; i++) {
		const struct wc_whatif_row *r = &w->dests[i];
		char c[32];
		const char *rule = r->rule && r->rule[0] ? r->rule : "-";
		if (markdown)
			fprintf(out, "| %s | %s | %s | %s | %llu | %llu | %s | %llu | %s |\n",
				r->peer[0] ? r->peer : "-", rule, wc_analyze_op_name(r->op),
				cap_text(r->cap_ms, c), (unsigned long long)r->phases,
				(unsigned long long)r->cut, wc_fmt_ms(r->saved_ms, a),
				(unsigned long long)r->broken, r->broken ? wc_fmt_ms(r->broken_max_ms, b) : "-");
		else
			fprintf(out, "  %-24s %-16s %-8s %6s %6llu %5llu %10s %6llu %14s\n",
				r->peer[0] ? r->peer : "-", rule, wc_analyze_op_name(r->op),
				cap_text(r->cap_ms, c), (unsigned long long)r->phases,
				(unsigned long long)r->cut, wc_fmt_ms(r->saved_ms, a),
				(unsigned long long)r->broken, r->broken ? wc_fmt_ms(r->broken_max_ms, b) : "-");
	}
}

void wc_whatif_html(const struct wc_whatif *w, FILE *out)
{
	char a[32], b[32], caps[128], where[256];
	caps_line(w, caps, sizeof caps);
	fputs("<h2 id=\"what-if\">What if: ", out);
	wc_html_text(out, w->source);
	fprintf(out, "</h2>\n<p>Caps %s: %s saved by %llu phases cut short, <b>%llu broken</b> "
		"(completed after longer than the cap), of %llu phases.</p>\n", caps,
		wc_fmt_ms(w->saved_ms, a), (unsigned long long)w->cut, (unsigned long long)w->broken,
		(unsigned long long)w->phases);
	fputs("<table><tr><th>call site</th><th>where</th><th>op</th><th>cap</th><th>phases</th>"
	      "<th>cut</th><th>saved</th><th>broken</th><th>longest broken</th></tr>\n", out);
	for (size_t i = 0; i < w->nsites; i++) {
		const struct wc_whatif_row *r = &w->sites[i];
		char c[32];
		fputs("<tr><td class=\"site\">", out);
		wc_html_text(out, r->where->function);
		fputs("</td><td class=\"site\">", out);
		wc_html_text(out, wc_fmt_where(r->where, where, sizeof where));
		fprintf(out, "</td><td>%s</td><td>%s</td><td>%llu</td><td>%llu</td><td>%s</td>"
			"<td>%llu</td><td>%s</td></tr>\n", wc_analyze_op_name(r->op), cap_text(r->cap_ms, c),
			(unsigned long long)r->phases, (unsigned long long)r->cut, wc_fmt_ms(r->saved_ms, a),
			(unsigned long long)r->broken, r->broken ? wc_fmt_ms(r->broken_max_ms, b) : "-");
	}
	fputs("</table>\n<table><tr><th>destination</th><th>rule</th><th>op</th><th>cap</th>"
	      "<th>phases</th><th>cut</th><th>saved</th><th>broken</th><th>longest broken</th></tr>\n", out);
	for (size_t i = 0; i < w->ndests; i++) {
		const struct wc_whatif_row *r = &w->dests[i];
		char c[32];
		fputs("<tr><td class=\"site\">", out);
		wc_html_text(out, r->peer);
		fputs("</td><td class=\"site\">", out);
		wc_html_text(out, r->rule);
		fprintf(out, "</td><td>%s</td><td>%s</td><td>%llu</td><td>%llu</td><td>%s</td>"
			"<td>%llu</td><td>%s</td></tr>\n", wc_analyze_op_name(r->op), cap_text(r->cap_ms, c),
			(unsigned long long)r->phases, (unsigned long long)r->cut, wc_fmt_ms(r->saved_ms, a),
			(unsigned long long)r->broken, r->broken ? wc_fmt_ms(r->broken_max_ms, b) : "-");
	}
	fputs("</table>\n", out);
}

static cJSON *row_json(const struct wc_whatif_row *r, bool site)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "op", wc_analyze_op_name(r->op));
	if (site) {
		cJSON_AddStringToObject(o, "function", r->where->function);
		cJSON_AddStringToObject(o, "file", r->where->file);
		cJSON_AddNumberToObject(o, "line", r->where->line);
		cJSON_AddStringToObject(o, "binary", r->where->binary);
	} else {
		cJSON_AddStringToObject(o, "peer", r->peer ? r->peer : "");
		cJSON_AddStringToObject(o, "rule", r->rule ? r->rule : "");
	}
	if (r->cap_ms >= 0)
		cJSON_AddNumberToObject(o, "cap_ms", (double)r->cap_ms);
	else
		cJSON_AddNullToObject(o, "cap_ms");
	cJSON_AddNumberToObject(o, "phases", (double)r->phases);
	cJSON_AddNumberToObject(o, "cut", (double)r->cut);
	cJSON_AddNumberToObject(o, "saved_ms", r->saved_ms);
	cJSON_AddNumberToObject(o, "broken", (double)r->broken);
	cJSON_AddNumberToObject(o, "broken_max_ms", r->broken_max_ms);
	return o;
}

cJSON *wc_whatif_json(const struct wc_whatif *w)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "source", w->source);
	cJSON *caps = cJSON_AddObjectToObject(o, "caps");
	for (int i = 0; i < WC_WHATIF_OPS; i++) {
		if (w->caps_ms[i] >= 0)
			cJSON_AddNumberToObject(caps, wc_op_names[i], (double)w->caps_ms[i]);
		else
			cJSON_AddNullToObject(caps, wc_op_names[i]);
	}
	cJSON_AddNumberToObject(o, "phases", (double)w->phases);
	cJSON_AddNumberToObject(o, "cut", (double)w->cut);
	cJSON_AddNumberToObject(o, "saved_ms", w->saved_ms);
	cJSON_AddNumberToObject(o, "broken", (double)w->broken);
	cJSON *sites = cJSON_AddArrayToObject(o, "callsites");
	for (size_t i = 0; i < w->nsites; i++)
		cJSON_AddItemToArray(sites, row_json(&w->sites[i], true));
	cJSON *dests = cJSON_AddArrayToObject(o, "destinations");
	for (size_t i = 0; i < w->ndests; i++)
		cJSON_AddItemToArray(dests, row_json(&w->dests[i], false));
	return o;
}

/* From aggregation to report: call sites sorted by blocked time, their
 * stacks symbolized, per-op and per-process summaries, folded stacks. */
#include "report.h"
#include "timeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_total(const void *a, const void *b)
{
	const struct wc_row *x = a, *y = b;
	if (x->cell.total_ns != y->cell.total_ns)
		return x->cell.total_ns < y->cell.total_ns ? 1 : -1;
	if (x->cell.count != y->cell.count)
		return x->cell.count < y->cell.count ? 1 : -1;
	return strcmp(x->where->function, y->where->function);
}

static int by_blocked(const void *a, const void *b)
{
	const struct wc_proc_row *x = a, *y = b;
	if (x->blocked_ms != y->blocked_ms)
		return x->blocked_ms < y->blocked_ms ? 1 : -1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int by_stack(const void *a, const void *b)
{
	return strcmp(((const struct wc_folded *)a)->stack, ((const struct wc_folded *)b)->stack);
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* Call sites that symbolize to the same op, binary, function and line are
 * one row: the compiler may have copied a call (unrolled loops, inlining)
 * but the reader thinks in source lines. */
static int build_rows(struct wc_report *r, const struct wc_agg *agg, struct wc_symbolizer *sym)
{
	size_t n = agg->sites.count;
	int64_t *biggest = calloc(n + 1, sizeof(*biggest));
	r->rows = calloc(n + 1, sizeof(*r->rows));
	struct wc_table by_line = { 0 };
	int rc = -1;
	if (!biggest || !r->rows)
		goto out;
	WC_TABLE_FOREACH(&agg->sites, e) {
		const struct wc_site *s = e->value;
		const struct wc_sym *where = wc_symbolize(sym, &s->where);
		char key[1024];
		int len = snprintf(key, sizeof(key), "%d|%s|%s|%s|%d|%s", s->op, where->binary,
				   where->function, where->file, where->line,
				   where->file[0] ? "" : "raw");
		/* Without line information, different addresses stay apart. */
		if (!where->file[0])
			len += snprintf(key + len, sizeof(key) - (size_t)len, "%llx|%llx",
					(unsigned long long)s->where.binary, (unsigned long long)s->where.offset);
		struct wc_table_entry *g = wc_table_upsert(&by_line, key, (size_t)len);
		if (!g)
			goto out;
		if (!g->value) {
			g->value = &r->rows[r->nrows++];
			((struct wc_row *)g->value)->op = s->op;
			((struct wc_row *)g->value)->where = where;
		}
		struct wc_row *row = g->value;
		size_t i = (size_t)(row - r->rows);
		if (!wc_cell_merge(&row->cell, &s->cell))
			goto out;
		/* The stack shown is that of the copy that blocked longest. */
		if (!row->stack || s->cell.total_ns > biggest[i]) {
			const struct wc_sym **stack = calloc(s->depth + 1, sizeof(*stack));
			if (!stack)
				goto out;
			free(row->stack);
			row->stack = stack;
			row->depth = s->depth;
			for (uint32_t k = 0; k < s->depth; k++)
				row->stack[k] = wc_symbolize(sym, &s->stack[k]);
			biggest[i] = s->cell.total_ns;
		}
	}
	qsort(r->rows, r->nrows, sizeof(*r->rows), by_total);
	rc = 0;
out:
	free(biggest);
	wc_table_free(&by_line);
	return rc;
}

/* Folded lines merge stacks that differ only in offsets within the same
 * functions. */
static int build_folded(struct wc_report *r, const struct wc_agg *agg, struct wc_symbolizer *sym)
{
	struct wc_table merged = { 0 };
	int rc = -1;
	WC_TABLE_FOREACH(&agg->stacks, e) {
		const char *procname = e->key;
		const struct wc_frame *f = (const struct wc_frame *)((const char *)e->key + 32);
		size_t n = (e->keylen - 32) / sizeof(*f);
		size_t cap = 64, len = 0;
		char *line = malloc(cap);
		if (!line)
			goto out;
		len = (size_t)snprintf(line, cap, "%s", procname);
		for (size_t i = n; i-- > 0;) {
			const char *name = wc_symbolize(sym, &f[i])->function;
			size_t need = len + strlen(name) + 2;
			if (need > cap) {
				char *bigger = realloc(line, cap = need * 2);
				if (!bigger) {
					free(line);
					goto out;
				}
				line = bigger;
			}
			line[len++] = ';';
			/* Flame graph tools split frames on ';' and the count on the
			 * last space. */
			for (const char *c = name; *c; c++)
				line[len++] = *c == ';' ? ':' : *c == ' ' ? '_' : *c;
			line[len] = 0;
		}
		struct wc_table_entry *m = wc_table_upsert(&merged, line, len + 1);
		free(line);
		if (!m || (!m->value && !(m->value = calloc(1, sizeof(int64_t)))))
			goto out;
		*(int64_t *)m->value += *(const int64_t *)e->value;
	}
	r->folded = calloc(merged.count + 1, sizeof(*r->folded));
	if (!r->folded)
		goto out;
	WC_TABLE_FOREACH(&merged, m) {
		struct wc_folded *fl = &r->folded[r->nfolded];
		if (!(fl->stack = strdup(m->key)))
			goto out;
		fl->us = (uint64_t)((*(int64_t *)m->value + 500) / 1000);
		r->nfolded++;
	}
	qsort(r->folded, r->nfolded, sizeof(*r->folded), by_stack);
	rc = 0;
out:
	WC_TABLE_FOREACH(&merged, m)
		free(m->value);
	wc_table_free(&merged);
	return rc;
}

struct wc_report *wc_report_build(const struct wc_agg *agg, struct wc_symbolizer *sym, size_t top)
{
	struct wc_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->hosts = agg->hosts;
	r->nhosts = agg->nhosts;
	r->lost_events = agg->lost_events;
	r->lost_packets = agg->lost_packets;
	r->top = top;
	r->count = agg->all.count;
	r->expired = agg->all.expired;
	r->total_ms = ms(agg->all.total_ns);
	r->avoided_ms = ms(agg->all.avoided_ns);
	r->requested_ms = ms(agg->all.requested_ns);
	r->all = &agg->all;
	r->latency = &agg->all.hist;
	for (int op = 0; op < WC_ANALYZE_OPS; op++) {
		const struct wc_cell *c = &agg->ops[op];
		if (!c->count && !c->expired)
			continue;
		r->ops[r->nops].op = op;
		r->ops[r->nops++].cell = c;
	}
	r->procs = calloc(agg->processes.count + 1, sizeof(*r->procs));
	if (!r->procs)
		goto fail;
	WC_TABLE_FOREACH(&agg->processes, e) {
		const struct wc_process *p = e->value;
		if (!p->waits && !p->expired)
			continue; /* only processes the report is about */
		struct wc_proc_row *row = &r->procs[r->nprocs++];
		row->host = agg->hosts[p->host];
		row->pid = p->pid;
		row->procname = p->procname;
		row->waits = p->waits;
		row->expired = p->expired;
		row->blocked_ms = ms(p->blocked_ns);
	}
	qsort(r->procs, r->nprocs, sizeof(*r->procs), by_blocked);
	if (build_rows(r, agg, sym) < 0 || build_folded(r, agg, sym) < 0 ||
	    wc_report_groups(r, agg, sym) < 0)
		goto fail;
	if (agg->timeline)
		r->timeline = wc_timeline_build(agg, sym);
	return r;
fail:
	wc_report_free(r);
	return NULL;
}

size_t wc_report_shown(const struct wc_report *r)
{
	return r->top && r->top < r->nrows ? r->top : r->nrows;
}

void wc_report_free(struct wc_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows; i++) {
		free(r->rows[i].stack);
		wc_cell_free(&r->rows[i].cell);
	}
	free(r->rows);
	free(r->procs);
	for (size_t i = 0; i < r->ngroups; i++) {
		for (size_t k = 0; k < r->groups[i].nsub; k++)
			wc_cell_free(&r->groups[i].sub[k].cell);
		free(r->groups[i].sub);
		wc_cell_free(&r->groups[i].cell);
	}
	free(r->groups);
	for (size_t i = 0; i < r->ngroup_labels; i++)
		free(r->group_labels[i]);
	free(r->group_labels);
	wc_timeline_destroy(r->timeline);
	for (size_t i = 0; i < r->nfolded; i++)
		free(r->folded[i].stack);
	free(r->folded);
	free(r);
}

const char *wc_fmt_ms(double v, char buf[32])
{
	if (v >= 60000)
		snprintf(buf, 32, "%.1f min", v / 60000);
	else if (v >= 1000)
		snprintf(buf, 32, "%.2f s", v / 1000);
	else if (v >= 10)
		snprintf(buf, 32, "%.0f ms", v);
	else if (v >= 1)
		snprintf(buf, 32, "%.1f ms", v);
	else if (v > 0)
		snprintf(buf, 32, "%.0f us", v * 1000);
	else
		snprintf(buf, 32, "0");
	return buf;
}

const char *wc_fmt_where(const struct wc_sym *sym, char *buf, size_t len)
{
	if (sym->file[0]) {
		const char *slash = strrchr(sym->file, '/');
		snprintf(buf, len, "%s:%d", slash ? slash + 1 : sym->file, sym->line);
	} else {
		const char *slash = strrchr(sym->binary, '/');
		snprintf(buf, len, "%s", slash ? slash + 1 : sym->binary);
	}
	return buf;
}

/* JSON: the stable, machine-readable report (documented in
 * docs/analyzer.md).  Times are milliseconds, rates are fractions. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "groups.h"
#include "report.h"
#include "whatif.h"

static double round3(double v)
{
	return round(v * 1000.0) / 1000.0;
}

static void add_value(cJSON *o, const struct wc_column *col, double v)
{
	v = wc_column_json_value(col, v);
	if (isnan(v))
		cJSON_AddNullToObject(o, col->key);
	else
		cJSON_AddNumberToObject(o, col->key, v);
}

/* Every column of this table (WC_AT_*), in the table's order. */
static void add_columns(const struct wc_report *r, cJSON *o, const struct wc_cell *cell,
			unsigned at)
{
	struct wc_scope s = wc_report_scope(r, cell);
	for (size_t i = 0; i < wc_ncolumns; i++)
		if (wc_columns[i].in_json & at)
			add_value(o, &wc_columns[i], wc_column_value(&wc_columns[i], &s));
}

static cJSON *frame_json(const struct wc_sym *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "function", s->function);
	cJSON_AddStringToObject(o, "file", s->file);
	cJSON_AddNumberToObject(o, "line", s->line);
	cJSON_AddStringToObject(o, "binary", s->binary);
	return o;
}

static cJSON *before_json(const struct wc_before *b)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < wc_ncolumns; i++)
		if (wc_columns[i].baseline)
			add_value(o, &wc_columns[i], b->value[i]);
	return o;
}

/* "before" and "delta" of a row or group, null for one new since. */
static void add_baseline(const struct wc_report *r, cJSON *o, const struct wc_cell *cell,
			 const struct wc_before *before)
{
	if (!r->baseline)
		return;
	if (!before) {
		cJSON_AddNullToObject(o, "before");
		cJSON_AddNullToObject(o, "delta");
		return;
	}
	cJSON_AddItemToObject(o, "before", before_json(before));
	cJSON *d = cJSON_AddObjectToObject(o, "delta");
	struct wc_scope s = wc_report_scope(r, cell);
	for (size_t i = 0; i < wc_ncolumns; i++)
		if (wc_columns[i].delta)
			add_value(d, &wc_columns[i],
				  wc_column_value(&wc_columns[i], &s) - before->value[i]);
}

static cJSON *row_json(const struct wc_report *r, const struct wc_row *row)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "function", row->where->function);
	cJSON_AddStringToObject(o, "file", row->where->file);
	cJSON_AddNumberToObject(o, "line", row->where->line);
	cJSON_AddStringToObject(o, "binary", row->where->binary);
	cJSON_AddStringToObject(o, "op", wc_analyze_op_name(row->op));
	add_columns(r, o, &row->cell, WC_AT_SITE);
	cJSON *stack = cJSON_AddArrayToObject(o, "stack");
	for (uint32_t i = 0; i < row->depth; i++)
		cJSON_AddItemToArray(stack, frame_json(row->stack[i]));
	add_baseline(r, o, &row->cell, row->before);
	return o;
}

static cJSON *group_json(const struct wc_report *r, const struct wc_group_row *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", g->key);
	add_columns(r, o, &g->cell, WC_AT_GROUP);
	add_baseline(r, o, &g->cell, g->before);
	if (g->sub) {
		cJSON *sub = cJSON_AddArrayToObject(o, "groups");
		for (size_t i = 0; i < g->nsub; i++)
			cJSON_AddItemToArray(sub, group_json(r, &g->sub[i]));
	}
	return o;
}

int wc_format_json(const struct wc_report *r, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	/* First, as in every format: with lost events, totals are lower bounds. */
	cJSON_AddNumberToObject(root, "lost_events", (double)r->lost_events);
	if (r->lost_packets)
		cJSON_AddNumberToObject(root, "lost_packets", (double)r->lost_packets);
	cJSON *hosts = cJSON_AddArrayToObject(root, "hosts");
	for (size_t i = 0; i < r->nhosts; i++)
		cJSON_AddItemToArray(hosts, cJSON_CreateString(r->hosts[i]));
	cJSON *procs = cJSON_AddArrayToObject(root, "processes");
	for (size_t i = 0; i < r->nprocs; i++) {
		cJSON *p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "host", r->procs[i].host);
		cJSON_AddNumberToObject(p, "pid", (double)r->procs[i].pid);
		cJSON_AddStringToObject(p, "procname", r->procs[i].procname);
		cJSON_AddNumberToObject(p, "waits", (double)r->procs[i].waits);
		cJSON_AddNumberToObject(p, "expired", (double)r->procs[i].expired);
		cJSON_AddNumberToObject(p, "blocked_ms", round3(r->procs[i].blocked_ms));
		cJSON_AddItemToArray(procs, p);
	}
	cJSON *ops = cJSON_AddObjectToObject(root, "ops");
	for (size_t i = 0; i < r->nops; i++) {
		cJSON *o = cJSON_AddObjectToObject(ops, wc_analyze_op_name(r->ops[i].op));
		add_columns(r, o, r->ops[i].cell, WC_AT_OP);
	}
	cJSON *sites = cJSON_AddArrayToObject(root, "callsites");
	size_t shown = r->top ? wc_report_shown(r) : r->nrows;
	for (size_t i = 0; i < shown; i++)
		cJSON_AddItemToArray(sites, row_json(r, &r->rows[i]));
	if (r->nby) {
		cJSON *by = cJSON_AddArrayToObject(root, "by");
		for (int i = 0; i < r->nby; i++)
			cJSON_AddItemToArray(by, cJSON_CreateString(wc_by_name(r->by[i])));
		cJSON *groups = cJSON_AddArrayToObject(root, "groups");
		for (size_t i = 0; i < r->ngroups; i++)
			cJSON_AddItemToArray(groups, group_json(r, &r->groups[i]));
	}
	if (r->baseline) {
		/* Call sites of the baseline that no longer block at all. */
		cJSON *gone = cJSON_AddArrayToObject(root, "baseline_only");
		for (size_t i = 0; i < r->nbaseline; i++) {
			const struct wc_before *b = &r->baseline[i];
			if (b->matched || b->group)
				continue;
			cJSON *o = before_json(b);
			cJSON_AddStringToObject(o, "function", b->function);
			cJSON_AddStringToObject(o, "file", b->file);
			cJSON_AddNumberToObject(o, "line", (double)b->line);
			cJSON_AddStringToObject(o, "op", b->op);
			cJSON_AddItemToArray(gone, o);
		}
	}
	if (r->whatif)
		cJSON_AddItemToObject(root, "what_if", wc_whatif_json(r->whatif));
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return -1;
	int rc = fprintf(out, "%s\n", text) < 0 ? -1 : 0;
	free(text);
	return rc;
}

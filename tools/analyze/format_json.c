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
	cJSON_AddNumberToObject(o, "count", b->count);
	cJSON_AddNumberToObject(o, "total_ms", round3(b->total_ms));
	cJSON_AddNumberToObject(o, "p95_ms", round3(b->p95_ms));
	cJSON_AddNumberToObject(o, "capped", b->capped);
	cJSON_AddNumberToObject(o, "avoided_ms", round3(b->avoided_ms));
	return o;
}

static cJSON *row_json(const struct wc_report *r, const struct wc_row *row)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "function", row->where->function);
	cJSON_AddStringToObject(o, "file", row->where->file);
	cJSON_AddNumberToObject(o, "line", row->where->line);
	cJSON_AddStringToObject(o, "binary", row->where->binary);
	cJSON_AddStringToObject(o, "op", wc_analyze_op_name(row->op));
	cJSON_AddNumberToObject(o, "count", (double)row->count);
	cJSON_AddNumberToObject(o, "total_ms", round3(row->total_ms));
	cJSON_AddNumberToObject(o, "share", round(row->share * 1e4) / 1e4);
	cJSON_AddNumberToObject(o, "p50_ms", round3(row->p50_ms));
	cJSON_AddNumberToObject(o, "p95_ms", round3(row->p95_ms));
	cJSON_AddNumberToObject(o, "max_ms", round3(row->max_ms));
	cJSON_AddNumberToObject(o, "capped", (double)row->capped);
	cJSON_AddNumberToObject(o, "app_timeouts", (double)row->app_timeouts);
	cJSON_AddNumberToObject(o, "errors", (double)row->errors);
	cJSON_AddNumberToObject(o, "requested_ms", round3(row->requested_ms));
	cJSON_AddNumberToObject(o, "avoided_ms", round3(row->avoided_ms));
	cJSON_AddNumberToObject(o, "unbounded", (double)row->unbounded);
	cJSON_AddNumberToObject(o, "expired", (double)row->expired);
	cJSON_AddNumberToObject(o, "expired_max_ms", round3(row->expired_max_ms));
	if (row->cap_ms > 0)
		cJSON_AddNumberToObject(o, "cap_ms", row->cap_ms);
	else
		cJSON_AddNullToObject(o, "cap_ms");
	cJSON *stack = cJSON_AddArrayToObject(o, "stack");
	for (uint32_t i = 0; i < row->depth; i++)
		cJSON_AddItemToArray(stack, frame_json(row->stack[i]));
	if (r->baseline) {
		if (row->before) {
			cJSON_AddItemToObject(o, "before", before_json(row->before));
			cJSON *d = cJSON_AddObjectToObject(o, "delta");
			cJSON_AddNumberToObject(d, "count", (double)row->count - row->before->count);
			cJSON_AddNumberToObject(d, "total_ms", round3(row->total_ms - row->before->total_ms));
			cJSON_AddNumberToObject(d, "p95_ms", round3(row->p95_ms - row->before->p95_ms));
		} else {
			cJSON_AddNullToObject(o, "before");
			cJSON_AddNullToObject(o, "delta");
		}
	}
	return o;
}

static cJSON *group_json(const struct wc_report *r, const struct wc_group_row *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "key", g->key);
	cJSON_AddNumberToObject(o, "count", (double)g->count);
	cJSON_AddNumberToObject(o, "total_ms", round3(g->total_ms));
	cJSON_AddNumberToObject(o, "share", round(g->share * 1e4) / 1e4);
	cJSON_AddNumberToObject(o, "p50_ms", round3(g->p50_ms));
	cJSON_AddNumberToObject(o, "p95_ms", round3(g->p95_ms));
	cJSON_AddNumberToObject(o, "max_ms", round3(g->max_ms));
	cJSON_AddNumberToObject(o, "capped", (double)g->capped);
	cJSON_AddNumberToObject(o, "app_timeouts", (double)g->app_timeouts);
	cJSON_AddNumberToObject(o, "errors", (double)g->errors);
	cJSON_AddNumberToObject(o, "expired", (double)g->expired);
	cJSON_AddNumberToObject(o, "avoided_ms", round3(g->avoided_ms));
	if (r->baseline) {
		if (g->before) {
			cJSON_AddItemToObject(o, "before", before_json(g->before));
			cJSON *d = cJSON_AddObjectToObject(o, "delta");
			cJSON_AddNumberToObject(d, "count", (double)g->count - g->before->count);
			cJSON_AddNumberToObject(d, "total_ms", round3(g->total_ms - g->before->total_ms));
			cJSON_AddNumberToObject(d, "p95_ms", round3(g->p95_ms - g->before->p95_ms));
		} else {
			cJSON_AddNullToObject(o, "before");
			cJSON_AddNullToObject(o, "delta");
		}
	}
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
		cJSON_AddNumberToObject(o, "count", (double)r->ops[i].count);
		cJSON_AddNumberToObject(o, "total_ms", round3(r->ops[i].total_ms));
		cJSON_AddNumberToObject(o, "expired", (double)r->ops[i].expired);
		cJSON_AddNumberToObject(o, "avg_ms", round3(r->ops[i].avg_ms));
		cJSON_AddNumberToObject(o, "p95_ms", round3(r->ops[i].p95_ms));
		cJSON_AddNumberToObject(o, "timeout_rate", round(r->ops[i].timeout_rate * 1e4) / 1e4);
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

#include "groups.h"
#include "aggregate_internal.h"
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dim_names[WC_BY_COUNT] = {
	"callsite", "peer", "rule", "process", "host", "thread"
};

const char *wc_by_name(int dim)
{
	return dim >= 0 && dim < WC_BY_COUNT ? dim_names[dim] : "?";
}

int wc_by_parse(const char *spec, int by[WC_BY_MAX], int *nby, char *err, size_t errlen)
{
	char copy[128];
	if (snprintf(copy, sizeof(copy), "%s", spec) >= (int)sizeof(copy)) {
		snprintf(err, errlen, "--by '%.40s...': too long", spec);
		return -1;
	}
	*nby = 0;
	int n = 0;
	char *save = NULL;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int dim = -1;
		for (int d = 0; d < WC_BY_COUNT; d++)
			if (strcmp(tok, dim_names[d]) == 0)
				dim = d;
		if (dim < 0) {
			snprintf(err, errlen, "--by '%s': unknown view '%s' (callsite peer rule process "
				 "host thread, or two of them: host,peer)", spec, tok);
			return -1;
		}
		if (n == WC_BY_MAX) {
			snprintf(err, errlen, "--by '%s': two levels at most (e.g. host,peer)", spec);
			return -1;
		}
		if (n && by[0] == dim) {
			snprintf(err, errlen, "--by '%s': '%s' twice", spec, tok);
			return -1;
		}
		by[n++] = dim;
	}
	if (!n) {
		snprintf(err, errlen, "--by needs a view (callsite peer rule process host thread)");
		return -1;
	}
	if (n == 1 && by[0] == WC_BY_CALLSITE)
		return 0;
	*nby = n;
	return 0;
}

/* A call site is known only after symbolization: while reading, its
 * level's key is where the wait came from (host, pid, op, raw frames),
 * turned into "function (file:line) op" by wc_report_groups. */
#define CALLSITE_MARK '\x01'
#define CALLSITE_FRAMES 8

static size_t callsite_key(const struct wc_agg *agg, const struct wc_process *proc,
			   const struct wc_obs *obs, const uint64_t *raw, uint32_t n,
			   char *out, size_t len)
{
	const char *host = agg->hosts && proc->host < agg->nhosts ? agg->hosts[proc->host] : "?";
	size_t at = (size_t)snprintf(out, len, "%c%s\x1f%lld\x1f%d", CALLSITE_MARK, host,
				     (long long)proc->pid, obs->op);
	for (uint32_t i = 0; i < n && i < CALLSITE_FRAMES && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "\x1f%llx", (unsigned long long)raw[i]);
	return at < len ? at : len - 1;
}

/* One level's key text into out; returns its length (without the NUL). */
static size_t level_key(const struct wc_agg *agg, int dim, const struct wc_process *proc,
			const char *procname, const struct wc_obs *obs, const uint64_t *raw,
			uint32_t nraw, char *out, size_t len)
{
	const char *host = agg->hosts && proc->host < agg->nhosts ? agg->hosts[proc->host] : "?";
	const char *name = procname ? procname : proc->procname;
	int n = 0;
	switch (dim) {
	case WC_BY_CALLSITE:
		return callsite_key(agg, proc, obs, raw, nraw, out, len);
	case WC_BY_PEER:
		/* "backend.test (127.0.0.5:8000)" when the program resolved it. */
		if (obs->peer && obs->peer[0] && obs->name && obs->name[0])
			n = snprintf(out, len, "%s (%s)", obs->name, obs->peer);
		else
			n = snprintf(out, len, "%s", obs->peer && obs->peer[0] ? obs->peer : "-");
		break;
	case WC_BY_RULE:
		n = snprintf(out, len, "%s", obs->rule && obs->rule[0] ? obs->rule : "-");
		break;
	case WC_BY_HOST:
		n = snprintf(out, len, "%s", host);
		break;
	case WC_BY_PROCESS:
		/* pids repeat across hosts: the host is part of the process. */
		n = snprintf(out, len, "%s[%lld]@%s", name, (long long)proc->pid, host);
		break;
	case WC_BY_THREAD:
		n = snprintf(out, len, "%s[%lld/%lld]@%s", name, (long long)proc->pid,
			     (long long)obs->tid, host);
		break;
	}
	if (n < 0)
		n = 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

void wc_groups_add(struct wc_agg *agg, const struct wc_process *proc, const char *procname,
		   const struct wc_obs *obs, const uint64_t *raw, uint32_t nraw)
{
	char key[1024];
	size_t len = 0;
	for (int i = 0; i < agg->nby; i++) {
		len += level_key(agg, agg->by[i], proc, procname, obs, raw, nraw, key + len,
				 sizeof(key) / 2);
		key[len++] = 0;
	}
	struct wc_table_entry *e = wc_table_upsert(&agg->groups, key, len);
	if (!e || (!e->value && !(e->value = calloc(1, sizeof(struct wc_cell))))) {
		agg->out_of_memory = true;
		return;
	}
	wc_cell_add(e->value, obs);
}

void wc_groups_absorb(struct wc_agg *dst, struct wc_agg *src)
{
	WC_TABLE_FOREACH(&src->groups, e) {
		if (!e->value)
			continue; /* moved by an earlier absorb (live) */
		struct wc_table_entry *d = wc_table_upsert(&dst->groups, e->key, e->keylen);
		if (!d) {
			dst->out_of_memory = true;
			continue;
		}
		if (!d->value) {
			d->value = e->value;
		} else {
			if (!wc_cell_merge(d->value, e->value))
				dst->out_of_memory = true;
			wc_cell_free(e->value);
			free(e->value);
		}
		e->value = NULL;
	}
}

void wc_groups_free(struct wc_agg *agg)
{
	WC_TABLE_FOREACH(&agg->groups, e) {
		if (e->value)
			wc_cell_free(e->value);
		free(e->value);
	}
	wc_table_free(&agg->groups);
}

/* ---- the report's side ---- */

struct group_entry {
	const char *key[WC_BY_MAX];
	const struct wc_cell *cell;
};

static int by_keys(const void *a, const void *b)
{
	const struct group_entry *x = a, *y = b;
	int c = strcmp(x->key[0], y->key[0]);
	if (c || !x->key[1])
		return c;
	return strcmp(x->key[1], y->key[1]);
}

static int by_total_desc(const void *a, const void *b)
{
	const struct wc_cell *x = &((const struct wc_group_row *)a)->cell;
	const struct wc_cell *y = &((const struct wc_group_row *)b)->cell;
	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	if (x->count + x->expired != y->count + y->expired)
		return x->count + x->expired < y->count + y->expired ? 1 : -1;
	return strcmp(((const struct wc_group_row *)a)->key, ((const struct wc_group_row *)b)->key);
}

/* "function (file:line) op" for a call-site level's reading key; NULL when
 * out of memory. */
static char *callsite_label(const struct wc_agg *agg, struct wc_symbolizer *sym, const char *key)
{
	char host[256];
	long long pid = 0;
	int op = WC_OP_OTHER;
	uint64_t raw[CALLSITE_FRAMES];
	uint32_t n = 0;
	const char *p = key + 1, *sep = strchr(p, '\x1f');
	size_t hl = sep ? (size_t)(sep - p) : 0;
	if (!sep || hl >= sizeof(host))
		return strdup("?");
	memcpy(host, p, hl);
	host[hl] = 0;
	p = sep + 1;
	pid = strtoll(p, (char **)&p, 10);
	if (*p == '\x1f')
		op = (int)strtol(p + 1, (char **)&p, 10);
	while (*p == '\x1f' && n < CALLSITE_FRAMES)
		raw[n++] = strtoull(p + 1, (char **)&p, 16);
	const struct wc_process *proc = NULL;
	for (uint32_t h = 0; h < agg->nhosts && !proc; h++)
		if (strcmp(agg->hosts[h], host) == 0) {
			struct { uint64_t host; int64_t pid; } pk = { h, pid };
			proc = wc_table_get(&agg->processes, &pk, sizeof(pk));
		}
	struct wc_frame f[CALLSITE_FRAMES];
	const struct wc_sym *where = NULL;
	if (n && proc) {
		wc_agg_resolve(&proc->map, raw, n, f);
		where = wc_symbolize(sym, &f[wc_agg_callsite_index(agg, f, n)]);
	}
	char buf[512], loc[256];
	if (where)
		snprintf(buf, sizeof(buf), "%s (%s) %s", where->function,
			 wc_fmt_where(where, loc, sizeof(loc)), wc_analyze_op_name(op));
	else
		snprintf(buf, sizeof(buf), "? %s", wc_analyze_op_name(op));
	return strdup(buf);
}

/* A level's key as the report shows it. */
static const char *shown_key(struct wc_report *r, const struct wc_agg *agg,
			     struct wc_symbolizer *sym, const char *key)
{
	if (key[0] != CALLSITE_MARK)
		return key;
	char **labels = realloc(r->group_labels, (r->ngroup_labels + 1) * sizeof(*labels));
	if (!labels)
		return NULL;
	r->group_labels = labels;
	char *label = callsite_label(agg, sym, key);
	if (label)
		r->group_labels[r->ngroup_labels++] = label;
	return label;
}

int wc_report_groups(struct wc_report *r, const struct wc_agg *agg, struct wc_symbolizer *sym)
{
	r->nby = agg->nby;
	memcpy(r->by, agg->by, sizeof(r->by));
	if (!agg->nby)
		return 0;
	size_t n = agg->groups.count, k = 0;
	struct group_entry *entries = calloc(n + 1, sizeof(*entries));
	r->groups = calloc(n + 1, sizeof(*r->groups));
	if (!entries || !r->groups) {
		free(entries);
		return -1;
	}
	WC_TABLE_FOREACH(&agg->groups, e) {
		if (!e->value)
			continue;
		const char *k0 = e->key;
		const char *k1 = agg->nby > 1 ? k0 + strlen(k0) + 1 : NULL;
		entries[k].key[0] = shown_key(r, agg, sym, k0);
		entries[k].key[1] = k1 ? shown_key(r, agg, sym, k1) : NULL;
		entries[k].cell = e->value;
		if (!entries[k].key[0] || (k1 && !entries[k].key[1])) {
			free(entries);
			return -1;
		}
		k++;
	}
	n = k;
	/* Equal keys after naming (one call site in two processes) are one
	 * group: runs of equal keys are merged. */
	qsort(entries, n, sizeof(*entries), by_keys);
	int rc = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i;
		while (end < n && strcmp(entries[end].key[0], entries[i].key[0]) == 0)
			end++;
		struct wc_group_row *g = &r->groups[r->ngroups++];
		g->key = entries[i].key[0];
		for (size_t j = i; j < end; j++)
			if (!wc_cell_merge(&g->cell, entries[j].cell))
				rc = -1;
		if (agg->nby > 1) {
			g->sub = calloc(end - i, sizeof(*g->sub));
			if (!g->sub) {
				rc = -1;
				break;
			}
			for (size_t j = i; j < end;) {
				size_t jend = j;
				struct wc_group_row *inner = &g->sub[g->nsub++];
				inner->key = entries[j].key[1];
				while (jend < end && strcmp(entries[jend].key[1], entries[j].key[1]) == 0)
					if (!wc_cell_merge(&inner->cell, entries[jend++].cell))
						rc = -1;
				j = jend;
			}
			qsort(g->sub, g->nsub, sizeof(*g->sub), by_total_desc);
		}
		i = end;
	}
	qsort(r->groups, r->ngroups, sizeof(*r->groups), by_total_desc);
	free(entries);
	return rc;
}
